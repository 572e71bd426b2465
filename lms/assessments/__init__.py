"""Assessments: branching scenarios and question banks (with final checks) loaded from assessments/.

schema.py holds the strict file shapes, definitions.py the frozen runtime objects, graph.py the scenario
graph checks and scoring data, questions.py the pluggable question types and loader.py `load_assessments`.
"""
