"""nnkit.save / nnkit.load: exact round trips, and no pickle, ever."""
import io
import json
import pickle

import numpy as np
import pytest

import nnkit
from nnkit.serialization import STRUCTURE_KEY, load, save


def same(a, b):
    """Equal in type, dtype, shape and every bit (NaN included), recursively."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, nnkit.Tensor):
        assert a.requires_grad == b.requires_grad
        a, b = a.data, b.data
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def round_trip(obj, tmp_path):
    save(obj, tmp_path / "saved.npz")
    loaded = load(tmp_path / "saved.npz")
    same(obj, loaded)
    return loaded


@pytest.mark.parametrize("tensor", [
    nnkit.tensor([[1.5, -2.25], [3.0, 1e-30]], requires_grad=True),
    nnkit.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=np.float64),
    nnkit.tensor([1, 2, 3]),
    nnkit.tensor(7.0),
    nnkit.zeros(0, 3),
], ids=["float32-grad", "float64", "int64", "scalar", "empty"])
def test_tensor_round_trip(tmp_path, tensor):
    loaded = round_trip(tensor, tmp_path)
    assert loaded is not tensor and loaded.data is not tensor.data


def test_state_dict_of_arrays_and_tensors(tmp_path):
    rng = np.random.default_rng(1)
    state = {"0.weight": rng.standard_normal((4, 3)).astype(np.float32),
             "0.bias": nnkit.tensor(rng.standard_normal(4)),
             "2.weight": np.asfortranarray(rng.standard_normal((2, 4)))}  # not C-ordered
    round_trip(state, tmp_path)


def test_nested_structures_keep_their_types(tmp_path):
    obj = {
        "state": {0: {"step": 3, "exp_avg": np.arange(6, dtype=np.float32).reshape(2, 3)},
                  1: {"momentum_buffer": None}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False,
                          "params": [0, 1]}],
        "odd floats": [float("nan"), float("inf"), -0.0, 0.1 + 0.2, 1e308],
        "numpy scalars": (np.float32(0.1), np.int16(-3), np.bool_(True)),
        "empty": [[], (), {}],
        "text": "naïve ☃",
        2.5: "a float key", None: "a None key", True: "a bool key",
        "zero-d": np.array(4.0),
        "strings": np.array(["ab", "c"]),
        "complex": np.array([1 + 2j]),
    }
    round_trip(obj, tmp_path)


def test_path_is_used_as_given_and_file_objects_work(tmp_path):
    save(nnkit.ones(2), tmp_path / "weights.bin")
    assert (tmp_path / "weights.bin").exists() and not (tmp_path / "weights.bin.npz").exists()
    save({"a": 1}, str(tmp_path / "plain"))
    assert load(str(tmp_path / "plain")) == {"a": 1}
    buffer = io.BytesIO()
    save([np.arange(3)], buffer)
    buffer.seek(0)
    same(load(buffer), [np.arange(3)])


@pytest.mark.parametrize("obj, message", [
    ({1, 2}, r"cannot save a set \(at obj\)"),
    ({"w": [np.array([object()])]}, r"array of Python objects \(at obj\['w'\]\[0\]\)"),
    ({(1, 2): 3}, r"dict keys must be strings or numbers. Received key \(1, 2\)"),
    ({"opt": type("Model", (), {"state_dict": lambda self: {}})()},
     r"cannot save a Model \(at obj\['opt'\]\).*save its state_dict\(\) instead"),
])
def test_save_refuses_what_it_cannot_store_without_pickle(tmp_path, obj, message):
    with pytest.raises(TypeError, match=message):
        save(obj, tmp_path / "x.npz")


# ---------------------------------------------------------------- refusing files

def test_refuses_a_pickle_file(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": np.ones(3)}))
    with pytest.raises(ValueError, match=r"refusing '.*model.pkl': it is a pickle file.*"
                                         r"Unpickling can run arbitrary code"):
        load(path)


def test_refuses_a_torch_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(3)}, path)  # a zip archive holding a pickle
    with pytest.raises(ValueError, match=r"entries that are not NumPy arrays .*data.pkl.*"
                                         r"a PyTorch checkpoint"):
        load(path)


@pytest.mark.parametrize("write, message", [
    (lambda path: np.save(path, np.ones(3)), r"a single .npy array.*numpy.load"),
    (lambda path: path.write_text("hello, world"), (r"not an .npz file written by nnkit.save "
                                                   r"\(it starts with bytes b'hello, w'\)")),
    (lambda path: np.savez(path, weight=np.ones(3)), r"has no '__nnkit__' entry.*numpy.savez"),
])
def test_refuses_other_files(tmp_path, write, message):
    path = tmp_path / "other"
    write(path)
    written = next(tmp_path.iterdir())  # numpy may append .npy / .npz
    with pytest.raises(ValueError, match=message):
        load(written)


def saved_entries(tmp_path):
    """The entries of a file written by save, for tampering with."""
    obj = {"w": nnkit.ones(2, 2), "b": np.zeros(2), "step": 4}
    save(obj, tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as archive:
        return {name: archive[name] for name in archive.files}


def tampered(tmp_path, entries, **np_savez_options):
    path = tmp_path / "tampered.npz"
    np.savez(path, **entries, **np_savez_options)
    return path


def test_refuses_a_missing_entry(tmp_path):
    entries = saved_entries(tmp_path)
    del entries["a0"]
    with pytest.raises(ValueError, match=r"entry 'a0', which the structure of .* refers to, "
                                         r"is missing: the file was edited or damaged"):
        load(tampered(tmp_path, entries))


def test_refuses_bad_json(tmp_path):
    entries = saved_entries(tmp_path)
    entries[STRUCTURE_KEY] = np.array('{"format": "nnkit.save", "root": {')
    with pytest.raises(ValueError, match=r"'__nnkit__' entry of .* is not valid JSON"):
        load(tampered(tmp_path, entries))


@pytest.mark.parametrize("change, message", [
    (lambda h: h.update(format="other"), r"does not describe an nnkit.save file"),
    (lambda h: h.update(version=99), r"format version 99; this nnkit reads version 1"),
    (lambda h: h.update(root={"eval": "os.system('rm -rf /')"}), r"an unexpected part"),
    (lambda h: h.update(root={"array": STRUCTURE_KEY}), r"refers to entry '__nnkit__'"),
    (lambda h: h.update(root=[{"array": "a0"}, {"array": "a0"}]), r"refers to entry 'a0'"),
    (lambda h: h.update(root={"dict": [[["list", "key"], 1]]}), r"an unexpected part"),
])
def test_refuses_a_tampered_structure(tmp_path, change, message):
    entries = saved_entries(tmp_path)
    header = json.loads(str(entries[STRUCTURE_KEY]))
    change(header)
    entries[STRUCTURE_KEY] = np.array(json.dumps(header))
    with pytest.raises(ValueError, match=message):
        load(tampered(tmp_path, entries))


def test_refuses_extra_entries_and_pickled_arrays(tmp_path):
    entries = saved_entries(tmp_path)
    with pytest.raises(ValueError, match=r"holds entries its structure does not mention "
                                         r"\(smuggled\)"):
        load(tampered(tmp_path, {**entries, "smuggled": np.ones(1)}))
    entries["a0"] = np.array([{"evil": 1}], dtype=object)
    with pytest.raises(ValueError, match=r"entry 'a0' holds pickled Python objects"):
        load(tampered(tmp_path, entries, allow_pickle=True))


def test_refuses_a_truncated_file(tmp_path):
    save({"w": np.arange(1000.0)}, tmp_path / "whole.npz")
    data = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"'.*cut.npz' is a damaged .npz archive"):
        load(tmp_path / "cut.npz")


def test_bad_path_argument():
    with pytest.raises(TypeError, match=r"expected a file name or a binary file object. "
                                        r"Received: path=3"):
        save(nnkit.ones(1), 3)
