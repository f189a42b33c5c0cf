"""Rendering that needs Qt but no window: PDF briefs and charts as images.

Both faces use it (the window's brief dialog and ``main.py brief --format pdf``); the
engine stays free of Qt, and the command line never imports the window.
"""
