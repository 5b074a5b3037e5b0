"""The HTTP API of ``partnerpilot serve``: OpenAI-compatible chat over ``Agent.stream``.

Importing it imports FastAPI, never Chainlit or :mod:`ui.app`.
"""
