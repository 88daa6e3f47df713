"""Chapter 07's build exercise, the course's answer: ``Optimizer``, ``SGD``, ``Adam``, ``AdamW``.

PyTorch's update rules. They work on any parameter with ``.data`` (a NumPy array, changed in
place) and ``.grad`` (an array, or None for a parameter that got no gradient: skipped), so
they drive nnkit's tensors and the engine of chapter 06 alike.
"""
import numpy as np


class Optimizer:
    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer received no parameters: pass model.parameters()")
        self.state = {}  # id(parameter) -> that parameter's running averages

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            if p.grad is not None:
                self.update(p, p.grad, self.state.setdefault(id(p), {}))

    def update(self, p, grad, state):
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.weight_decay = weight_decay

    def update(self, p, grad, state):
        grad = grad + self.weight_decay * p.data  # L2: the penalty's gradient
        if self.momentum:
            if "buffer" in state:
                state["buffer"] = self.momentum * state["buffer"] + grad
            else:
                state["buffer"] = grad.copy()  # PyTorch starts the buffer at the first gradient
            buffer = state["buffer"]
            grad = grad + self.momentum * buffer if self.nesterov else buffer
        p.data -= self.lr * grad  # in place: the model's array itself changes


class Adam(Optimizer):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def update(self, p, grad, state):
        self.adam_step(p, grad + self.weight_decay * p.data, state)

    def adam_step(self, p, grad, state):
        beta1, beta2 = self.betas
        if not state:
            state.update(t=0, m=np.zeros_like(p.data), v=np.zeros_like(p.data))
        state["t"] += 1
        state["m"] = beta1 * state["m"] + (1 - beta1) * grad
        state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
        m_hat = state["m"] / (1 - beta1 ** state["t"])  # bias correction: the averages start at 0
        v_hat = state["v"] / (1 - beta2 ** state["t"])
        p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)

    def update(self, p, grad, state):
        p.data *= 1 - self.lr * self.weight_decay  # decoupled: shrink the weights directly
        self.adam_step(p, grad, state)
