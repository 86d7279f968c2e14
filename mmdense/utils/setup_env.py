import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmdense module so that it lands in the registries.

    Args:
        init_default_scope (bool): Also make ``mmdense`` the default scope,
            so that registries build from mmdense first (then mmpretrain).
    """
    from mmpretrain.utils import register_all_modules as mmpretrain_register

    import mmdense.datasets  # noqa: F401
    import mmdense.engine  # noqa: F401
    import mmdense.evaluation  # noqa: F401
    import mmdense.models  # noqa: F401
    mmpretrain_register(init_default_scope=False)

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmdense', scope_name='mmdense')
    elif current.scope_name != 'mmdense':
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      'is not "mmdense"; register_all_modules switches it '
                      'to "mmdense".')
        DefaultScope.get_instance(
            f'mmdense-{datetime.datetime.now()}', scope_name='mmdense')
