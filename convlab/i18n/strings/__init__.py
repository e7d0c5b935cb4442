"""The string tables of :mod:`convlab.i18n.catalogue`, one module per part of the course."""
