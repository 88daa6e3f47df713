"""Chapter 08's playground: a live decision boundary, hidden units and loss curves.

``training`` builds and trains the network (no drawing); ``widget`` holds the
controls and the picture.
"""
from nnkit_widgets.playground.widget import Playground

__all__ = ["Playground"]
