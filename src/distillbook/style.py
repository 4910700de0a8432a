"""The book's single figure theme and its fixed colours: the only place a colour of the book is written.

``book.mplstyle`` holds the theme's sizes, fonts and spines but no colour; :func:`apply` loads it and then sets the
colour cycle (:data:`CYCLE`, Okabe–Ito order) and the grid colour from this module, so a colour is changed here
once and every figure follows.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

STYLE_FILE = Path(__file__).with_name("book.mplstyle")

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}

#: The default colour cycle, in Okabe & Ito's order (grey is kept for "other" and the grid is lighter still).
CYCLE = [
    PALETTE[name]
    for name in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black")
]
#: Grid lines: a light grey, behind the data.
GRID_COLOUR = "#D9D9D9"

#: One colour per company, model family and actor, the same in every chapter.
ACTOR_COLOURS = {
    "DeepSeek": PALETTE["blue"],
    "OpenAI": PALETTE["black"],
    "Anthropic": PALETTE["vermillion"],
    "Moonshot AI": PALETTE["reddish_purple"],
    "MiniMax": PALETTE["orange"],
    "Congress": PALETTE["bluish_green"],
    "Executive": PALETTE["sky_blue"],
    "researchers": PALETTE["grey"],
    "Google": PALETTE["yellow"],
}


#: One colour per experimental condition, the same in every chapter (digits, the API copier, the language model):
#: what a student learned from decides its colour, whichever chapter draws it.
CONDITION_COLOURS = {
    "teacher": PALETTE["black"],
    "soft targets": PALETTE["blue"],  # full distributions / probabilities / softened outputs
    "top-k": PALETTE["sky_blue"],  # a few scores or log-probabilities per answer
    "hard labels": PALETTE["orange"],  # the top answer only: labels, sampled text
    "real data": PALETTE["bluish_green"],  # no teacher: the same student trained on real data
    "defence": PALETTE["vermillion"],
    "other": PALETTE["grey"],
}


def condition_colour(condition: str) -> str:
    """Return the fixed hex colour of an experimental condition; raise KeyError naming the known ones otherwise."""
    try:
        return CONDITION_COLOURS[condition]
    except KeyError:
        raise KeyError(f"no fixed colour for condition '{condition}'; known: {sorted(CONDITION_COLOURS)}") from None


def apply() -> None:
    """Set the book's matplotlib theme (``book.mplstyle`` and this module's colours); call once per chapter."""
    mpl.rcdefaults()
    plt.style.use(STYLE_FILE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=CYCLE)
    mpl.rcParams["grid.color"] = GRID_COLOUR
    # PNG metadata would otherwise carry nothing variable, but pin it so figures are byte-identical across builds.
    mpl.rcParams["svg.hashsalt"] = "copying-the-teacher"


def colour(actor: str) -> str:
    """Return the fixed hex colour of a company or actor; raise KeyError naming the known ones otherwise."""
    try:
        return ACTOR_COLOURS[actor]
    except KeyError:
        raise KeyError(f"no fixed colour for '{actor}'; known: {sorted(ACTOR_COLOURS)}") from None
