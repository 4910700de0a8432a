"""The policy response: bills and their stages, executive actions, committee votes, and what was pending when.

- :mod:`.model`: stages, what each measure regulates and in which direction, pending bills on a date;
- :mod:`.checks`: checks across the policy tables (run by the tests and the appendix);
- :mod:`.figures`: the pipeline, the count by what measures regulate, the policy timeline;
- :mod:`.tables`: display tables (bills, votes, statuses resting on non-primary sources).
"""
