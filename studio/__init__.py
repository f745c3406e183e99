"""Story Studio: picture books written and illustrated by language and image models."""

__version__ = "0.1.0"
