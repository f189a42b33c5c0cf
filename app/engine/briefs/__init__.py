"""Briefs for editors: what goes in (``data``), the spread chart (``chart``), HTML
(``html``), the other formats (``formats``) and writing them to files (``export``). PDF
needs Qt and is written by ``app.render.brief_pdf``.
"""
