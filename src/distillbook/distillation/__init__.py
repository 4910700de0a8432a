"""Distillation and model extraction on scikit-learn's digits (chapters 1 and 2).

Modules, by job:

- ``config``: the one experiment configuration both chapters use (split, teacher, student, seeds, temperature grid)
  and the validation rule that chooses the temperature;
- ``digits``: the data split, the teacher ensemble and accuracy;
- ``kd``: softmax with temperature, the Hinton et al. loss and its gradient, logit matching;
- ``training``: the numpy student and its full-batch Adam trainer;
- ``experiments``: chapter 1's runs (learning curves, temperature choice, omitted digit, gradient gap) and
  per-seed summaries;
- ``extraction``: the query API (response modes, rounding and noise defences) and the copier;
- ``pools``: query pools for the copier (mixed digits, random pixels, natural-image patches);
- ``defences``: what an API version costs honest users, over several noise draws;
- ``tables``: display tables of both chapters; ``figures``: their figures, each ``plot_x(data, ax) -> ax``.
"""
