"""Sources of the lesson notebooks: one module per lesson, each with a ``CELLS`` list.

``tools/build_notebooks.py`` turns every module into ``notebooks/en/<name>.ipynb`` and
``notebooks/ko/<name>.ipynb``. Code cells are written once, so both languages run the same code.
The lesson list itself is :data:`convlab.course.manifest.LESSONS`; lesson ``NN_topic`` is built
from the module ``lNN_topic`` here.
"""
from convlab.course.manifest import LESSONS as _MANIFEST

#: Lesson notebook name -> the module in this package that holds its cells, in course order.
LESSONS = {item.name: f"l{item.name}" for item in _MANIFEST}
