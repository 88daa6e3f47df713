"""Data sets that ship with the course: nothing is downloaded.

Bundled data (checked against SHA-256 before first use; see
``files/PROVENANCE.md`` for sources and licences):

- :func:`mnist` -- handwritten digits (chapter 09)
- :func:`spoken_digits`, :func:`spoken_digit_clips` -- synthetic speech (chapter 13)
- :func:`tiny_shakespeare`, :func:`names` -- text (chapter 12)
- :func:`sunspots`, :func:`airline_passengers`,
  :func:`daily_min_temperatures` -- time series (chapter 11)

Seeded toy sets in two dimensions (chapters 01, 03, 08): :func:`moons`,
:func:`circles`, :func:`spirals`, :func:`xor`, :func:`gaussians`.
"""

from .integrity import DataIntegrityError
from .mnist import mnist
from .speech import spoken_digit_clips, spoken_digits
from .text import names, tiny_shakespeare
from .timeseries import airline_passengers, daily_min_temperatures, sunspots
from .toy import circles, gaussians, moons, spirals, xor

__all__ = [
    "DataIntegrityError",
    "airline_passengers",
    "circles",
    "daily_min_temperatures",
    "gaussians",
    "mnist",
    "moons",
    "names",
    "spirals",
    "spoken_digit_clips",
    "spoken_digits",
    "sunspots",
    "tiny_shakespeare",
    "xor",
]
