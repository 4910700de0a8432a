"""The allegations: claims kept as claims, the campaigns' figures, the article's comparison and the timeline.

- :mod:`.ledger`: figures as worded, shares, totals by unit (never mixing units), volume per account;
- :mod:`.comparison`: the article's OpenAI-versus-Anthropic table rebuilt by generic rules named in data;
- :mod:`.timeline`: day counts between events and the layout of swimlane timelines;
- :mod:`.figures`: the chapter's figures and the shared swimlane plot (``plot_x(data, ax) -> ax``);
- :mod:`.tables`: display tables (the ledger, date disagreements, precedents).
"""
