"""Chapter 09 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np
import pytest

import nnkit
from nnkit.exercises import ch09 as check


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


# ---------------------------------------------------------------- solutions (as in the chapter)

def solution_normalize(images):
    return images.reshape(len(images), -1).astype(np.float32) / 255


def solution_accuracy(logits, labels):
    return np.mean(np.argmax(logits, axis=1) == labels)


def solution_confusion(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    for true, predicted in zip(y_true, y_pred):
        matrix[true, predicted] += 1
    return matrix


def solution_one_hot(labels, num_classes):
    encoded = np.zeros((len(labels), num_classes))
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def solution_top_k(logits, labels, k):
    top = np.argsort(logits, axis=1)[:, -k:]
    return np.mean((top == labels[:, None]).any(axis=1))


def test_solutions_pass():
    assert check.normalize_and_flatten(solution_normalize)
    assert check.accuracy(solution_accuracy)
    assert check.confusion_matrix(solution_confusion)
    assert check.one_hot(solution_one_hot)
    assert check.top_k_accuracy(solution_top_k)


def test_tensor_answers_pass_too():
    # a learner may well answer with nnkit ops; the checkers read .data
    assert check.accuracy(lambda z, y: (nnkit.tensor(z).argmax(axis=1).numpy() == y).mean())
    assert check.one_hot(lambda y, c: nnkit.tensor(np.eye(c)[y]))


def test_stubs_are_reported_gently():
    def stub(*args):
        raise NotImplementedError
    for checker in (check.normalize_and_flatten, check.accuracy, check.confusion_matrix,
                    check.one_hot, check.top_k_accuracy):
        assert "not implemented yet" in message(checker(stub))


def test_a_non_function_is_rejected():
    assert "expected a function" in message(check.accuracy(0.98))


# ---------------------------------------------------------------- exercise 1

def test_normalize_rejects_forgotten_division():
    text = message(check.normalize_and_flatten(lambda im: im.reshape(len(im), -1).astype(np.float32)))
    assert "divide by 255" in text and "input:" in text and "expected:" in text


def test_normalize_rejects_integer_division():
    assert "integer division" in message(
        check.normalize_and_flatten(lambda im: im.reshape(len(im), -1) // 255))


def test_normalize_rejects_wrong_shapes():
    assert "one row per image" in message(
        check.normalize_and_flatten(lambda im: im.reshape(-1).astype(np.float32) / 255))
    assert "one row per image" in message(
        check.normalize_and_flatten(lambda im: im.reshape(-1, len(im)).astype(np.float32) / 255))


def test_normalize_rejects_hard_coded_784():
    text = message(check.normalize_and_flatten(lambda im: im.reshape(-1, 784).astype(np.float32) / 255))
    assert "4x6" in text or "2x2" in text


def test_normalize_rejects_float64():
    text = message(check.normalize_and_flatten(lambda im: im.reshape(len(im), -1) / 255.0))
    assert "float64" in text and "float32" in text


def test_normalize_rejects_writing_into_the_input():
    def in_place(images):
        flat = images.reshape(len(images), -1)
        result = flat.astype(np.float32) / 255
        flat[:] = 0  # the view writes through to the caller's images
        return result
    assert "changed the images" in message(check.normalize_and_flatten(in_place))


# ---------------------------------------------------------------- exercise 2

def test_accuracy_rejects_wrong_axis():
    text = message(check.accuracy(lambda z, y: np.mean(np.argmax(z, axis=0) == y)))
    assert "axis=1" in text and "wrong axis" in text


def test_accuracy_rejects_counts_percentages_and_argmin():
    assert "number of images N" in message(
        check.accuracy(lambda z, y: np.sum(np.argmax(z, axis=1) == y)))
    assert "percentage" in message(
        check.accuracy(lambda z, y: 100 * np.mean(np.argmax(z, axis=1) == y)))
    assert "argmax, not argmin" in message(
        check.accuracy(lambda z, y: np.mean(np.argmin(z, axis=1) == y)))


def test_accuracy_rejects_comparing_logits_with_labels():
    text = message(check.accuracy(lambda z, y: np.mean(z.max(axis=1) == y)))
    assert "hint: predictions = np.argmax(logits, axis=1)" in text


# ---------------------------------------------------------------- exercise 3

def test_confusion_rejects_transposed():
    text = message(check.confusion_matrix(lambda t, p, c: solution_confusion(p, t, c)))
    assert "transposed" in text and "rows are the TRUE class" in text


def test_confusion_rejects_fancy_index_increment():
    def fancy(y_true, y_pred, num_classes):
        matrix = np.zeros((num_classes, num_classes), dtype=int)
        matrix[y_true, y_pred] += 1  # duplicates count once
        return matrix
    assert "np.add.at" in message(check.confusion_matrix(fancy))


def test_confusion_rejects_size_from_labels():
    def sized_by_labels(y_true, y_pred, num_classes):
        size = max(y_true.max(), y_pred.max()) + 1
        return solution_confusion(y_true, y_pred, size)
    text = message(check.confusion_matrix(sized_by_labels))
    assert "num_classes=4" in text and "expected shape (4, 4)" in text


# ---------------------------------------------------------------- exercise 4

def test_one_hot_rejects_transposed_and_off_by_one():
    assert "transposed" in message(check.one_hot(lambda y, c: np.eye(c)[y].T))
    assert "off by one" in message(check.one_hot(lambda y, c: np.eye(c)[(y - 1) % c]))


def test_one_hot_rejects_size_from_labels():
    text = message(check.one_hot(lambda y, c: np.eye(y.max() + 1)[y]))
    assert "num_classes=4" in text


# ---------------------------------------------------------------- exercise 5

def test_top_k_rejects_smallest_logits():
    text = message(check.top_k_accuracy(
        lambda z, y, k: np.mean((np.argsort(z, axis=1)[:, :k] == y[:, None]).any(axis=1))))
    assert "SMALLEST" in text and "[:, -k:]" in text


def test_top_k_rejects_off_by_one_count_and_top_1():
    assert "off by one" in message(check.top_k_accuracy(
        lambda z, y, k: np.mean((np.argsort(z, 1)[:, -(k - 1):] == y[:, None]).any(1)) if k > 2
        else solution_top_k(z, y, k)))
    assert "count" in message(check.top_k_accuracy(
        lambda z, y, k: np.sum((np.argsort(z, 1)[:, -k:] == y[:, None]).any(1))))
    assert "top-1" in message(check.top_k_accuracy(
        lambda z, y, k: np.mean(np.argmax(z, axis=1) == y)))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_reference_matches_a_direct_count(k):
    rng = np.random.default_rng(k)
    logits, labels = rng.standard_normal((30, 10)), rng.integers(0, 10, 30)
    direct = np.mean([labels[n] in np.argsort(-logits[n])[:k] for n in range(30)])
    assert np.isclose(check._top_k_reference(logits, labels, k), direct)
