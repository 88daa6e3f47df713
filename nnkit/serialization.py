"""``nnkit.save`` and ``nnkit.load``: models and optimizers to disk, without pickle (chapter 08).

A file written by :func:`save` is an ordinary NumPy ``.npz`` archive: one
entry per array, plus one entry, ``__nnkit__``, holding the structure
around them (dicts, lists, tuples, numbers, strings) as JSON. Loading never
unpickles: Python's pickle can run any code hidden in a file, so a
downloaded ``.pt`` or ``.pkl`` file is a risk, while an ``.npz`` read with
``allow_pickle=False`` holds only numbers.

    >>> nnkit.save(model.state_dict(), "model.npz")
    >>> model.load_state_dict(nnkit.load("model.npz"))

What can be saved: Tensors, NumPy arrays and scalars, Python numbers,
strings, ``None``, and lists, tuples and dicts of these (dict keys:
strings or numbers). Everything comes back with the same types, shapes,
dtypes and values.
"""
import contextlib
import json
import os
import zipfile

import numpy as np

from nnkit.tensor import Tensor

STRUCTURE_KEY = "__nnkit__"
FORMAT, VERSION = "nnkit.save", 1


# ---------------------------------------------------------------- save

def save(obj, path):
    """Write `obj` to `path` (a file name, written as given, or a binary file object)."""
    arrays = {}
    root = _encode(obj, arrays, "obj")
    header = {"format": FORMAT, "version": VERSION, "root": root}
    arrays[STRUCTURE_KEY] = np.array(json.dumps(header))
    with _open(path, "wb") as file:
        np.savez(file, allow_pickle=False, **arrays)


def _encode(obj, arrays, where):
    """A JSON-ready description of `obj`; its arrays go into `arrays` under fresh names."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Tensor):
        return {"tensor": _store(obj.data, arrays, where), "requires_grad": obj.requires_grad}
    if isinstance(obj, np.ndarray):
        return {"array": _store(obj, arrays, where)}
    if isinstance(obj, np.generic):
        return {"scalar": _store(np.asarray(obj), arrays, where)}
    if isinstance(obj, list):
        return [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"tuple": [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(obj)]}
    if isinstance(obj, dict):
        for key in obj:
            if not (key is None or isinstance(key, (str, int, float))):
                raise TypeError(f"nnkit.save: dict keys must be strings or numbers. Received "
                                f"key {key!r} ({type(key).__name__}) in {where}")
        return {"dict": [[key, _encode(value, arrays, f"{where}[{key!r}]")]
                         for key, value in obj.items()]}
    hint = "; save its state_dict() instead" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"nnkit.save: cannot save a {type(obj).__name__} (at {where}). Expected "
                    f"Tensors, arrays, numbers, strings, None, and lists, tuples or dicts of "
                    f"them{hint}")


def _store(array, arrays, where):
    if array.dtype.hasobject:
        raise TypeError(f"nnkit.save: cannot save an array of Python objects (at {where}); "
                        f"that would need pickle")
    name = f"a{len(arrays)}"
    arrays[name] = array
    return name


# ---------------------------------------------------------------- load

def load(path):
    """Read back what :func:`save` wrote to `path`; refuses anything else with a clear error."""
    label = _label(path)
    with _open(path, "rb") as file:
        _check_magic(file.read(8), label)
        file.seek(0)
        try:
            with np.load(file, allow_pickle=False) as archive:
                header = _read_header(archive, label)
                used = set()
                obj = _decode(header["root"], _Reader(archive, label, used), label)
                extra = sorted(set(archive.files) - used - {STRUCTURE_KEY})
        except zipfile.BadZipFile as error:
            raise ValueError(f"nnkit.load: {label} is a damaged .npz archive ({error})") from None
    if extra:
        raise ValueError(f"nnkit.load: {label} holds entries its structure does not mention "
                         f"({', '.join(extra)}): the file was edited or damaged")
    return obj


def _check_magic(head, label):
    refuse = f"nnkit.load: refusing {label}:"
    if head.startswith(b"PK"):  # a zip archive, as .npz files are
        return
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise ValueError(f"{refuse} it is a pickle file (pickle.dump, or an old torch.save). "
                         f"Unpickling can run arbitrary code, so nnkit reads only .npz files "
                         f"written by nnkit.save")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"{refuse} it is a single .npy array, not a file written by "
                         f"nnkit.save; read it with numpy.load")
    raise ValueError(f"{refuse} it is not an .npz file written by nnkit.save (it starts with "
                     f"bytes {head!r})")


def _read_header(archive, label):
    names = archive.zip.namelist()
    foreign = [name for name in names if not name.endswith(".npy")]
    if foreign:
        raise ValueError(f"nnkit.load: refusing {label}: it holds entries that are not NumPy "
                         f"arrays ({', '.join(foreign[:3])}): a PyTorch checkpoint or another "
                         f"zip archive? nnkit reads only files written by nnkit.save")
    if STRUCTURE_KEY not in archive.files:
        raise ValueError(f"nnkit.load: {label} has no '{STRUCTURE_KEY}' entry, so it was not "
                         f"written by nnkit.save (a numpy.savez file? read it with numpy.load)")
    text = _read_array(archive, STRUCTURE_KEY, label)
    try:
        header = json.loads(str(text[()]))
    except (json.JSONDecodeError, ValueError, IndexError):
        raise ValueError(f"nnkit.load: the '{STRUCTURE_KEY}' entry of {label} is not valid "
                         f"JSON: the file was edited or damaged") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or "root" not in header:
        raise ValueError(f"nnkit.load: the '{STRUCTURE_KEY}' entry of {label} does not "
                         f"describe an nnkit.save file")
    if header.get("version") != VERSION:
        raise ValueError(f"nnkit.load: {label} has format version {header.get('version')!r}; "
                         f"this nnkit reads version {VERSION}")
    return header


def _read_array(archive, name, label):
    try:
        return archive[name]
    except KeyError:
        raise ValueError(f"nnkit.load: entry '{name}', which the structure of {label} refers "
                         f"to, is missing: the file was edited or damaged") from None
    except ValueError:  # numpy: "Object arrays cannot be loaded when allow_pickle=False"
        raise ValueError(f"nnkit.load: refusing {label}: entry '{name}' holds pickled Python "
                         f"objects") from None


class _Reader:
    """Hands out the archive's arrays by name, remembering which were used."""

    def __init__(self, archive, label, used):
        self.archive, self.label, self.used = archive, label, used

    def __call__(self, name):
        if not isinstance(name, str) or name == STRUCTURE_KEY or name in self.used:
            raise ValueError(f"nnkit.load: the structure of {self.label} refers to entry "
                             f"{name!r}, which is not a valid array entry: the file was edited")
        self.used.add(name)
        return _read_array(self.archive, name, self.label)


def _decode(node, read, label):
    """Rebuild the object that :func:`_encode` described as `node`."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(item, read, label) for item in node]
    keys = set(node)
    if keys == {"tensor", "requires_grad"}:
        array = read(node["tensor"])
        return Tensor(array, requires_grad=node["requires_grad"] is True, dtype=array.dtype)
    if keys == {"array"}:
        return read(node["array"])
    if keys == {"scalar"}:
        return read(node["scalar"])[()]
    if keys == {"tuple"} and isinstance(node["tuple"], list):
        return tuple(_decode(item, read, label) for item in node["tuple"])
    if keys == {"dict"} and _is_pairs(node["dict"]):
        return {key: _decode(value, read, label) for key, value in node["dict"]}
    raise ValueError(f"nnkit.load: the structure of {label} holds an unexpected part "
                     f"{str(node)[:80]}: the file was edited or damaged")


def _is_pairs(items):
    return isinstance(items, list) and all(
        isinstance(pair, list) and len(pair) == 2
        and (pair[0] is None or isinstance(pair[0], (str, int, float))) for pair in items)


# ---------------------------------------------------------------- files

def _label(path):
    if isinstance(path, (str, os.PathLike)):
        return f"'{os.fspath(path)}'"
    return f"the file object {getattr(path, 'name', type(path).__name__)!r}"


@contextlib.contextmanager
def _open(path, mode):
    """Open a path (written exactly as named: no '.npz' is appended), or pass a file through."""
    if isinstance(path, (str, os.PathLike)):
        with open(path, mode) as file:
            yield file
    elif hasattr(path, "write" if "w" in mode else "read"):
        yield path
    else:
        raise TypeError(f"nnkit: expected a file name or a binary file object. Received: "
                        f"path={path!r}")
