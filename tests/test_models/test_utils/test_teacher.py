"""Teacher utilities: the exact EMA update, the momentum schedules and
shuffle-BN in one process."""
import pytest
import torch
import torch.nn as nn

from mmdense.models.utils.teacher import (ema_update_, make_teacher,
                                          teacher_momentum)


def test_ema_update_exact_and_buffers_untouched():
    student = nn.BatchNorm1d(2)
    teacher = make_teacher(student)
    assert not any(p.requires_grad for p in teacher.parameters())
    with torch.no_grad():
        student.weight.fill_(3.)
        student.bias.fill_(-1.)
        student.running_mean.fill_(5.)
    ema_update_([(teacher, student)], momentum=0.9)
    assert torch.allclose(teacher.weight, torch.full((2, ), 1.2))  # .9+.3
    assert torch.allclose(teacher.bias, torch.full((2, ), -0.1))
    assert torch.equal(teacher.running_mean, torch.zeros(2))


def test_teacher_momentum_schedules():
    assert teacher_momentum(0.999, 'constant', 500, None) == 0.999
    assert teacher_momentum(0.99, 'cosine', 0, 100) == pytest.approx(0.99)
    assert teacher_momentum(0.99, 'cosine', 50, 100) == pytest.approx(0.995)
    assert teacher_momentum(0.99, 'cosine', 100, 100) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='max_iters'):
        teacher_momentum(0.99, 'cosine', 3, None)
    with pytest.raises(ValueError, match="'constant' or 'cosine'"):
        teacher_momentum(0.99, 'linear', 3, 10)


def test_shuffle_is_a_no_op_in_one_process():
    from mmdense.models.utils.teacher import shuffle_batch
    x = torch.randn(4, 3)
    shuffled, idx = shuffle_batch(x)
    assert shuffled is x and idx is None
