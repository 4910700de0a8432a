"""Chapter 3: copying a character-level language model through its API.

``model`` (the numpy MLP and its training), ``api`` (the teacher behind an API: full distributions, top-k
log-probabilities or text), ``copier`` (students trained on the API's answers, and on real text),
``experiments`` (the corpus split, the measures and the experiment), ``figures``, ``tables`` and ``train`` (the
script that writes the teacher's weights).
"""
