"""Text corpora for character-level language models (chapter 12)."""

import functools

from .integrity import data_dir, verified_path


@functools.cache
def _read_text(name, folder):
    # folder is part of the cache key so an NNKIT_DATA_DIR override is honoured
    return verified_path(name).read_bytes().decode("ascii")


def tiny_shakespeare():
    """Return tiny Shakespeare: about 1.1 million characters of the plays.

    The corpus of Karpathy's char-rnn, used in chapter 12 to train a tiny
    character-level GPT. Public domain.

    Returns:
        one ``str`` with 1,115,394 characters (65 distinct ones).

    Example:
        >>> text = tiny_shakespeare()
        >>> text[:14]
        'First Citizen:'
    """
    return _read_text("text/tinyshakespeare.txt", str(data_dir()))


def names():
    """Return 32,033 lower-case first names (chapter 12).

    Drawn from public U.S. Social Security baby-name records; a small corpus
    for a model that invents new names.

    Returns:
        a new ``list`` of ``str``, in the file's order.

    Example:
        >>> names()[:3]
        ['emma', 'olivia', 'ava']
    """
    text = _read_text("text/names.txt", str(data_dir()))
    return text.split()
