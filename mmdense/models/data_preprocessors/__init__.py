from .device_aug import DeviceAugDataPreprocessor

__all__ = ['DeviceAugDataPreprocessor']
