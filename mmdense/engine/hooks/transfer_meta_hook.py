from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.registry import HOOKS


@HOOKS.register_module()
class TransferMetaHook(Hook):
    """Records in every checkpoint which weights transfer downstream.

    ``checkpoint['meta']['transfer'] = dict(source=<the method's default,
    'teacher' or 'student'>, student={downstream prefix: prefix here},
    teacher={...})``, e.g. ``teacher={'backbone.': 'teacher_backbone.',
    'neck.': 'teacher_decoder.'}``;
    ``tools/model_converters/extract_transfer_weights.py`` follows it.
    Models without ``transfer_prefixes`` (plain mmpretrain ones) transfer
    their student ``backbone.``.
    """

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = get_ori_model(runner.model)
        if hasattr(model, 'transfer_prefixes'):
            info = dict(
                source=model.transfer,
                student=model.transfer_prefixes('student'))
            # a method without a teacher (VICRegL) offers the student only
            if getattr(model, 'has_teacher', True):
                info['teacher'] = model.transfer_prefixes('teacher')
        else:
            info = dict(source='student', student={'backbone.': 'backbone.'})
        checkpoint.setdefault('meta', {})['transfer'] = info
