"""The course itself: the lesson manifest, the lab launcher and the classroom handouts."""
