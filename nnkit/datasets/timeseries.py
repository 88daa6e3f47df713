"""Three classic time series for forecasting with recurrent networks (chapter 11).

Each loader returns ``(dates, values)``: ``dates`` a NumPy ``datetime64``
array (matplotlib plots it as a date axis), ``values`` a float32 array of
the same length. Both are fresh copies, so a learner may change them freely.
"""

import functools

import numpy as np

from .integrity import data_dir, verified_path


def _parse_csv(name, date_unit):
    # two columns, a quoted date and a number: "1949-01",112
    lines = verified_path(name).read_text(encoding="ascii").splitlines()
    rows = [line.split(",") for line in lines[1:] if line.strip()]
    dates = np.array([date.strip('"') for date, _ in rows], dtype=f"datetime64[{date_unit}]")
    values = np.array([float(value) for _, value in rows], dtype=np.float32)
    return dates, values


@functools.cache
def _load(name, date_unit, folder):
    # folder is part of the cache key so an NNKIT_DATA_DIR override is honoured
    dates, values = _parse_csv(name, date_unit)
    dates.flags.writeable = False
    values.flags.writeable = False
    return dates, values


def _series(name, date_unit):
    dates, values = _load(name, date_unit, str(data_dir()))
    return dates.copy(), values.copy()


def sunspots():
    """Monthly mean sunspot numbers, January 1749 to December 1983.

    Returns:
        ``(dates, values)``: 2,820 months as ``datetime64[M]`` and the mean
        number of sunspots in each month (float32). A quasi-periodic series
        with an ~11-year cycle: the forecasting example of chapter 11.
    """
    return _series("timeseries/monthly-sunspots.csv", "M")


def airline_passengers():
    """Monthly international airline passengers, 1949 to 1960 (Box and Jenkins).

    Returns:
        ``(dates, values)``: 144 months as ``datetime64[M]`` and passengers
        in thousands (float32): a trend with a yearly season (chapter 11).
    """
    return _series("timeseries/airline-passengers.csv", "M")


def daily_min_temperatures():
    """Daily minimum temperatures in Melbourne, 1981 to 1990.

    Returns:
        ``(dates, values)``: 3,650 days as ``datetime64[D]`` and the minimum
        temperature in degrees Celsius (float32) (chapter 11).
    """
    return _series("timeseries/daily-min-temperatures.csv", "D")
