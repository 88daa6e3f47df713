r"""Checkers for chapter 09, image recognition (MNIST).

    from nnkit.exercises import ch09 as check
    check.accuracy(my_accuracy)

Conventions: a batch of logits has shape (N, C), one row per image and one
column per class; labels are integers of shape (N,). A confusion matrix
$M$ has the TRUE class as its row and the PREDICTED class as its column:
$M_{ij}$ counts the images of class $i$ that the network called $j$.
"""
import numpy as np

from nnkit.exercises.checking import Case, CheckResult, check_with_diagnoses, close_to

__all__ = ["accuracy", "confusion_matrix", "normalize_and_flatten", "one_hot", "top_k_accuracy"]


def _rng(seed):
    return np.random.default_rng(seed)


def _logits(seed, num_samples, num_classes):
    # distinct values in every row: argmax and argsort have no ties to break
    rng = _rng(seed)
    return rng.permuted(np.tile(np.arange(num_classes, dtype=float), (num_samples, 1)), axis=1) \
        + rng.uniform(0, 0.5, (num_samples, num_classes))


def _labels(seed, num_samples, num_classes):
    return _rng(seed).integers(0, num_classes, num_samples)


def _raised(received):
    return isinstance(received, BaseException)


# ---------------------------------------------------------------- exercise 1: pixels in, vectors out

def _normalize_reference(images):
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def _normalize_diagnosis(args, received):
    (images,) = args
    if _raised(received):
        return None
    flat = images.reshape(len(images), -1).astype(np.float64)
    if close_to(received, flat):
        return "the pixels are still in 0..255: divide by 255 so they lie in [0, 1]."
    if close_to(received, flat // 255):
        return ("integer division (//) rounds every pixel down to 0 or 1: use true division, "
                "images / 255, on a float array.")
    size = images[0].size
    shape = np.shape(getattr(received, "data", received))
    if np.size(received) == images.size and shape != (len(images), size):
        return (f"wrong shape: {len(images)} images of {images.shape[1:]} pixels become a matrix "
                f"of shape ({len(images)}, {size}), one row per image: images.reshape(len(images), -1).")
    return None


def normalize_and_flatten(fn):
    r"""Exercise 1: ``fn(images)`` turns uint8 images (N, H, W) into float32 rows (N, H*W) in [0, 1]."""
    rng = _rng(90)
    cases = [Case((rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),), "3 MNIST-sized images"),
             Case((np.array([[[0, 255], [128, 64]]], dtype=np.uint8),), "one 2x2 image"),
             Case((rng.integers(0, 256, (5, 4, 6), dtype=np.uint8),), "5 images of 4x6 (not square)"),
             Case((np.full((2, 3, 3), 255, dtype=np.uint8),), "all white (255)")]
    result = check_with_diagnoses("normalize_and_flatten", fn, _normalize_reference, cases,
                                  [_normalize_diagnosis],
                                  hint="images.reshape(len(images), -1).astype(np.float32) / 255")
    if not result:
        return result
    return _check_float32_and_untouched(fn, cases[0].args[0])


def _check_float32_and_untouched(fn, images):
    original = images.copy()
    received = fn(images)
    received = np.asarray(getattr(received, "data", received))
    if received.dtype != np.float32:
        return CheckResult("normalize_and_flatten", False,
                           f"the values are right, but the dtype is {received.dtype}: expected "
                           "float32.\nhint: float32 halves the memory of float64 (60,000 MNIST "
                           "images: 188 MB instead of 376 MB) and is what nnkit computes in; "
                           "use .astype(np.float32).")
    if not np.array_equal(images, original):
        return CheckResult("normalize_and_flatten", False,
                           "your function changed the images it was given.\n"
                           "hint: build a new array instead of writing into the input.")
    return CheckResult("normalize_and_flatten", True,
                       "all cases passed (MNIST-sized, 2x2, 4x6, all white); float32, input untouched.")


# ---------------------------------------------------------------- exercise 2: accuracy from logits

def _accuracy_reference(logits, labels):
    return np.mean(np.argmax(logits, axis=1) == labels)


def _accuracy_diagnosis(args, received):
    logits, labels = args
    if _raised(received):
        if logits.shape[0] != logits.shape[1]:
            return ("argmax over the wrong axis? np.argmax(logits, axis=0) gives one index per "
                    "CLASS (column); you want one per image (row): axis=1.")
        return None
    correct = np.argmax(logits, axis=1) == labels
    if len(labels) > 1 and close_to(received, np.sum(correct)):
        return "that is the number of correct images: divide by the number of images N."
    if close_to(received, 100 * np.mean(correct)) and np.mean(correct) > 0:
        return "that is a percentage: return the fraction in [0, 1] (0.75, not 75)."
    if logits.shape[0] == logits.shape[1] and close_to(received, np.mean(np.argmax(logits, 0) == labels)):
        return ("argmax over the wrong axis: axis=0 picks, for each class, the image with the "
                "largest logit. The prediction for each image is the largest entry of its ROW: axis=1.")
    wrong_way = np.mean(np.argmin(logits, axis=1) == labels)
    if wrong_way > 0 and close_to(received, wrong_way):
        return "the prediction is the class with the LARGEST logit: argmax, not argmin."
    return None


def accuracy(fn):
    r"""Exercise 2: ``fn(logits, labels)`` = the fraction of rows whose argmax equals the label."""
    logits_4x4 = _logits(91, 4, 4)
    labels_4x4 = np.argmax(logits_4x4, axis=1)
    labels_4x4[0] = (labels_4x4[0] + 1) % 4  # three right, one wrong
    cases = [Case((_logits(92, 6, 3), _labels(93, 6, 3)), "6 images, 3 classes"),
             Case((logits_4x4, labels_4x4), "4 images, 4 classes (a square matrix)"),
             Case((_logits(94, 8, 10), np.argmax(_logits(94, 8, 10), axis=1)), "all right: 1.0"),
             Case((np.array([[-1000.0, 1000.0], [5.0, -5.0]]), np.array([0, 1])), "all wrong: 0.0"),
             Case((_logits(95, 1, 10), np.array([int(np.argmax(_logits(95, 1, 10)))])), "a single image")]
    return check_with_diagnoses("accuracy", fn, _accuracy_reference, cases, [_accuracy_diagnosis],
                                hint="predictions = np.argmax(logits, axis=1); then the mean of "
                                     "(predictions == labels).", keep=(9, "2"))


# ---------------------------------------------------------------- exercise 3: the confusion matrix

def _confusion_reference(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def _confusion_diagnosis(args, received):
    y_true, y_pred, num_classes = args
    if _raised(received):
        if isinstance(received, IndexError):
            return (f"an index out of range: the matrix must be {num_classes} x {num_classes}, "
                    "whatever labels appear in this batch (use num_classes).")
        return None
    right = _confusion_reference(y_true, y_pred, num_classes)
    if close_to(received, right.T):
        return ("transposed: rows are the TRUE class and columns the PREDICTED class, "
                "matrix[true, predicted] += 1.")
    once = np.zeros_like(right)
    once[y_true, y_pred] = 1
    if close_to(received, once):
        return ("repeated (true, predicted) pairs were counted once: matrix[y_true, y_pred] += 1 "
                "with index arrays does not add up duplicates. Loop over the pairs, or use "
                "np.add.at(matrix, (y_true, y_pred), 1).")
    shape = np.shape(getattr(received, "data", received))
    if shape != right.shape:
        return (f"expected a {num_classes} x {num_classes} matrix for num_classes={num_classes}: "
                "size it by num_classes, not by the largest label you happen to see.")
    return None


def confusion_matrix(fn):
    r"""Exercise 3: ``fn(y_true, y_pred, num_classes)`` = $M$ with $M_{ij}$ = #(true $i$, predicted $j$)."""
    cases = [Case((np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3), "4 images, 3 classes"),
             Case((np.array([1, 1, 1, 0]), np.array([0, 0, 1, 0]), 2), "a repeated mistake (1 as 0)"),
             Case((np.array([0, 0, 1]), np.array([0, 1, 1]), 4), "classes 2 and 3 never appear"),
             Case((_labels(96, 50, 10), _labels(97, 50, 10), 10), "50 images, 10 classes"),
             Case((np.array([3]), np.array([3]), 5), "a single image")]
    return check_with_diagnoses("confusion_matrix", fn, _confusion_reference, cases,
                                [_confusion_diagnosis],
                                hint="start from np.zeros((num_classes, num_classes), int) and add 1 "
                                     "at [true, predicted] for each image.", keep=(9, "3"))


# ---------------------------------------------------------------- exercise 4: one-hot encoding

def _one_hot_reference(labels, num_classes):
    return np.eye(num_classes)[labels]


def _one_hot_diagnosis(args, received):
    labels, num_classes = args
    if _raised(received):
        return None
    right = _one_hot_reference(labels, num_classes)
    if close_to(received, right.T) and right.shape[0] != right.shape[1]:
        return (f"transposed: one ROW per label, shape ({len(labels)}, {num_classes}), "
                "not one column per label.")
    if labels.max() < num_classes - 1 and close_to(received, np.eye(labels.max() + 1)[labels]):
        return (f"expected {num_classes} columns (num_classes={num_classes}), even though the "
                "largest label here is smaller: size by num_classes.")
    shifted = np.zeros_like(right)
    shifted[np.arange(len(labels)), (labels - 1) % num_classes] = 1
    if close_to(received, shifted):
        return "off by one: label 0 puts its 1 in column 0 (Python counts from 0)."
    return None


def one_hot(fn):
    r"""Exercise 4: ``fn(labels, num_classes)`` = an (N, num_classes) array, 1 at [n, labels[n]], else 0."""
    cases = [Case((np.array([0, 2, 1]), 3), "3 labels, 3 classes"),
             Case((np.array([7, 0, 9, 3, 3]), 10), "5 digits"),
             Case((np.array([1, 0]), 4), "labels 2 and 3 never appear"),
             Case((np.array([4]), 5), "a single label")]
    return check_with_diagnoses("one_hot", fn, _one_hot_reference, cases, [_one_hot_diagnosis],
                                hint="np.zeros((len(labels), num_classes)) with a 1 at "
                                     "[np.arange(len(labels)), labels], or np.eye(num_classes)[labels].")


# ---------------------------------------------------------------- exercise 5: top-k accuracy

def _top_k_reference(logits, labels, k):
    top = np.argsort(logits, axis=1)[:, -k:]
    return np.mean(np.any(top == labels[:, None], axis=1))


def _top_k_diagnosis(args, received):
    logits, labels, k = args
    if _raised(received):
        return None
    order = np.argsort(logits, axis=1)
    if close_to(received, np.mean(np.any(order[:, :k] == labels[:, None], axis=1))):
        return ("you took the k SMALLEST logits: np.argsort sorts in increasing order, so the "
                "top k are the last k columns, [:, -k:].")
    if k > 1 and close_to(received, np.mean(np.argmax(logits, axis=1) == labels)):
        return (f"that is the plain (top-1) accuracy: with k={k} a label among the {k} largest "
                "logits counts as right (or did you keep k - 1 classes?).")
    if k > 1 and close_to(received, np.mean(np.any(order[:, -(k - 1):] == labels[:, None], axis=1))):
        return f"off by one: with k={k} keep {k} classes per image, not {k - 1}."
    if len(labels) > 1 and close_to(received, np.sum(np.any(order[:, -k:] == labels[:, None], 1))):
        return "that is a count: divide by the number of images N."
    return None


def top_k_accuracy(fn):
    r"""Exercise 5: ``fn(logits, labels, k)`` = the fraction of rows whose label is among the k largest logits."""
    cases = [Case((_logits(98, 8, 5), _labels(99, 8, 5), 2), "8 images, 5 classes, k=2"),
             Case((_logits(100, 6, 10), _labels(101, 6, 10), 1), "k=1 is plain accuracy"),
             Case((_logits(102, 20, 10), _labels(103, 20, 10), 3), "20 images, 10 classes, k=3"),
             Case((_logits(104, 4, 4), _labels(105, 4, 4), 4), "k = number of classes: 1.0")]
    return check_with_diagnoses("top_k_accuracy", fn, _top_k_reference, cases, [_top_k_diagnosis],
                                hint="np.argsort(logits, axis=1)[:, -k:] are the k best classes "
                                     "of each row; is the label among them?")

