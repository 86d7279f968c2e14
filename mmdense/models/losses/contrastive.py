"""Contrastive losses as small pure functions (formulas in the docstrings)."""
import torch
import torch.nn.functional as F


def info_nce(query: torch.Tensor, positive: torch.Tensor,
             negatives: torch.Tensor, temperature: float) -> torch.Tensor:
    """MoCo's InfoNCE with one positive and shared negatives.

    ``query``, ``positive``: (M, D) L2-normalised; ``negatives``: (L, D).
    ``-mean_i log( exp(q_i.k_i / t) / (exp(q_i.k_i / t) + sum_j exp(q_i.n_j / t)) )``
    """
    l_pos = (query * positive).sum(dim=1, keepdim=True)
    l_neg = query @ negatives.t().to(query.dtype)
    logits = torch.cat([l_pos, l_neg], dim=1) / temperature
    labels = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits.float(), labels)


def soft_cross_entropy(student_logits: torch.Tensor,
                       teacher_logits: torch.Tensor, student_temp: float,
                       teacher_temp: float,
                       center: torch.Tensor) -> torch.Tensor:
    """DINO / SlotCon distillation, per row (last dim = classes):
    ``sum_k -softmax((t - c) / tt)_k * log_softmax(s / ts)_k``; one value per
    row (the caller averages)."""
    log_p = F.log_softmax(student_logits.float() / student_temp, dim=-1)
    target = F.softmax((teacher_logits.float() - center) / teacher_temp, dim=-1)
    return -(target * log_p).sum(dim=-1)
