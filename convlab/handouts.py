"""``python -m convlab.handouts``: the entry point of :mod:`convlab.course.handouts`."""
from convlab.course.handouts import main

if __name__ == "__main__":
    main()
