"""``python -m convlab.lab``: the entry point of :mod:`convlab.course.lab`."""
from convlab.course.lab import main

if __name__ == "__main__":
    main()
