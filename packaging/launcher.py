"""Entry point of the frozen build: the same as the `studio` console script."""

from studio.cli import main

if __name__ == "__main__":
    main()
