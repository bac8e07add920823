"""Exception types raised by the ``filters`` package."""


class FiltersError(ValueError):
    """A bad argument to a ``filters`` function.

    A subclass of :class:`ValueError`, so ``except ValueError`` catches it.
    The message names the argument and says what was wrong with it.
    """


class ImageLoadError(FiltersError):
    """An image that cannot be loaded: empty, not an image, corrupt or too large."""


class KernelParseError(FiltersError):
    """Kernel text that cannot be read as a matrix of numbers."""
