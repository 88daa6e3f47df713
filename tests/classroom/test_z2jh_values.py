"""classroom/z2jh-values.yaml: valid for the Zero to JupyterHub chart, and it gives each
student what the one-machine hub does.

The chart's own values schema and defaults (tag 4.4.0) are copied into
tests/classroom/z2jh-chart-4.4.0/; the course's values are merged over the defaults and
validated as Helm does before it installs. Under a second.
"""
import copy
import pathlib
import runpy

import pytest

yaml = pytest.importorskip("yaml")
pytest.importorskip("jupyterhub", reason="the hub config imports JupyterHub's spawners")

CLASSROOM = pathlib.Path(__file__).resolve().parents[2] / "classroom"
CHART = pathlib.Path(__file__).resolve().parent / "z2jh-chart-4.4.0"


class _Config(dict):
    """Enough of traitlets' config object for a config file's `c.A.b = value`."""

    def __getattr__(self, name):
        return self.setdefault(name, _Config())

    def __setattr__(self, name, value):
        self[name] = value


@pytest.fixture(scope="module")
def hub_config():
    config = _Config()
    runpy.run_path(str(CLASSROOM / "jupyterhub_config.py"),
                   init_globals={"get_config": lambda: config})
    return config


def test_values_pin_the_same_threads_and_memory_as_the_one_machine_hub(hub_config):
    values = yaml.safe_load((CLASSROOM / "z2jh-values.yaml").read_text())
    user = values["singleuser"]
    hub_env = hub_config.Spawner.environment
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                 "MKL_NUM_THREADS", "NNKIT_NUM_THREADS"):
        assert user["extraEnv"][name] == hub_env[name] == "1", name
    assert user["memory"]["limit"] == hub_config.Spawner.mem_limit
    assert user["cpu"]["limit"] == 1 and 0 < user["cpu"]["guarantee"] <= 1
    home = user["storage"]["homeMountPath"]
    assert user["extraEnv"]["NUMBA_CACHE_DIR"].startswith(home + "/")
    assert user["extraEnv"]["NNKIT_MINE"] == f"{home}/mine"


def test_hub_memory_setting_refuses_a_bad_value():
    namespace = runpy.run_path(str(CLASSROOM / "jupyterhub_config.py"),
                               init_globals={"get_config": _Config})
    assert namespace["memory_bytes"]("512M") == 512 * 2**20
    with pytest.raises(ValueError, match=r"Expected a whole number with K, M or G.*Received: '2GB'"):
        namespace["memory_bytes"]("2GB")


def _merged(values, defaults):
    """Helm's merge of user values over the chart's defaults (maps merge, the rest replaces)."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(value, merged[key])
        else:
            merged[key] = value
    return merged


def _schema_errors(values):
    jsonschema = pytest.importorskip("jsonschema")
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(_merged(values, defaults))]


def test_values_validate_against_the_charts_schema():
    values = yaml.safe_load((CLASSROOM / "z2jh-values.yaml").read_text())
    assert _schema_errors(values) == []


@pytest.mark.parametrize("change, expected", [
    (lambda v: v["singleuser"].update(cpus=1), "'cpus' was unexpected"),
    (lambda v: v["singleuser"]["cpu"].update(limit="one"), "'one' is not of type"),
    (lambda v: v["cull"].update(timeout="an hour"), "'an hour' is not of type"),
])
def test_the_schema_check_refuses_a_misspelt_key_or_a_wrong_type(change, expected):
    values = yaml.safe_load((CLASSROOM / "z2jh-values.yaml").read_text())
    change(values)
    assert any(expected in error for error in _schema_errors(values))
