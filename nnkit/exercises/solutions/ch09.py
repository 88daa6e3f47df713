"""Chapter 09's build exercises, the course's answers: ``accuracy`` and ``confusion_matrix``."""
import numpy as np


def accuracy(logits, labels):
    """The fraction of rows whose largest logit is at the label."""
    return np.mean(np.argmax(logits, axis=1) == labels)


def confusion_matrix(y_true, y_pred, num_classes):
    """``matrix[i, j]``: how many images of class i were predicted as class j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)  # adds up repeated (true, predicted) pairs
    return matrix
