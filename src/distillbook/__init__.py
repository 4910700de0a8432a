"""Shared code for the book *Copying the Teacher*.

Notebooks tell the story; this package does the work: it finds the repository (`paths`), loads and validates
the data package (`data`), sets the figure theme (`style`), glues numbers into prose (`glue`) and runs the
experiments of the chapters.
"""

__version__ = "0.1.0"
