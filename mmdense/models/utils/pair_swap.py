"""NSP-style negatives for patch pairs: the second patch from another
image of the batch."""
import torch


def second_from_other_images(second: torch.Tensor,
                             flags: torch.Tensor) -> torch.Tensor:
    """``second`` (N, ...) with each flagged row ``i`` replaced by the
    (original) row ``j = (i + k) mod N`` of another sample, ``k`` uniform in
    ``1..N-1`` -- as BERT's next-sentence prediction pairs a segment with a
    random segment of the corpus.  Rows of the same image cannot be drawn
    (``j != i``); unflagged rows are kept."""
    n = len(second)
    if n < 2:
        raise ValueError('second_from_other_images needs at least 2 samples '
                         'per batch (per process)')
    shift = torch.randint(1, n, (n, )).to(second.device)
    source = (torch.arange(n, device=second.device) + shift) % n
    source = torch.where(
        flags.to(second.device).bool(), source,
        torch.arange(n, device=second.device))
    return second[source]
