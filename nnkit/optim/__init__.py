"""Optimizers and learning-rate schedules (chapter 07), named as in ``torch.optim``.

    >>> from nnkit import optim
    >>> optimizer = optim.Adam(model.parameters(), lr=1e-3)
    >>> scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
"""
from nnkit.optim import lr_scheduler
from nnkit.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)
from nnkit.optim.optimizer import Optimizer
from nnkit.optim.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "lr_scheduler",
]
