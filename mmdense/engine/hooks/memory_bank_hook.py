from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.registry import HOOKS


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Sizes every :class:`~mmdense.models.memories.MemoryBank` of the model
    to the training set (one entry per image) before the run, so that a
    resumed bank loads into it; a bank built with another ``num_samples``
    raises a clear error.  Needed by InstDisc configs."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        from mmdense.models.memories import MemoryBank
        model = get_ori_model(runner.model)
        size = len(runner.train_dataloader.dataset)
        for name, bank in model.named_modules():
            if not isinstance(bank, MemoryBank):
                continue
            if bank.num_samples == 0:
                bank.resize_(size)
                runner.logger.info(f'{name}: memory bank of {size} entries')
            elif bank.num_samples != size:
                raise ValueError(
                    f'{name}: the memory bank has {bank.num_samples} entries '
                    f'but the training set has {size} images; set '
                    f'model.{name}.num_samples={size} (or None to size it '
                    'from the dataset).')
