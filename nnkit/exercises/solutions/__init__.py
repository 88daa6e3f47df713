"""The course's own answers to the build exercises, written as plainly as a learner would.

When a learner has not passed a build exercise yet, later chapters fall back to the
version here (``nnkit.mine.use(name, reference=...)``), so every chapter runs on its own.
One module per chapter: ``solutions.ch07.SGD`` is what chapter 07 asks the learner to write.
"""
