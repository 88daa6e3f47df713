"""nbgrader's configuration for a class taking the course (see docs/teaching.md).

Copy the chapters to ``source/<assignment>/`` of a course folder that holds this file,
then ``nbgrader generate_assignment <assignment>`` and, after collecting submissions,
``nbgrader autograde <assignment>``. scripts/nbgrader_mark.py has marked the exercises.
"""
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "nnkit-course"
# where a worked solution was: the learner's own answer is in the cell above
c.ClearSolutions.code_stub = {"python": "# The worked solution is not part of this copy."}
# the chapters read bundled data from the installed nnkit: nothing to copy along
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__"]
# chapters train small networks: allow a few minutes per notebook
c.ExecutePreprocessor.timeout = 600
