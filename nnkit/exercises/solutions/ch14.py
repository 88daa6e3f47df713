"""Chapter 14's exercises, the course's answers: the three pieces of REINFORCE.

``discounted_returns`` counts the rewards still to come, each step further away worth
``gamma`` times less; ``advantages`` subtracts their mean (the baseline) and divides by their
spread; ``policy_gradient_loss`` is cross-entropy with the action taken as the label, each
step weighted by its advantage.
"""
import numpy as np

from nnkit.nn import functional as F


def discounted_returns(rewards, gamma):
    returns, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def advantages(returns):
    return (returns - returns.mean()) / (returns.std() + 1e-8)


def policy_gradient_loss(logits, actions, weights):
    log_probs = F.log_softmax(logits, dim=1)
    return -(log_probs[np.arange(len(actions)), actions] * weights).mean()
