"""Pages nexc writes for people to look at: the trajectory viewer (``nexc view``), the GAP run report
(``nexc gap report``) and the SVG plots they share (also ``loss.svg`` of ``nexc train``).

Every page is one self-contained HTML file: inline CSS and JavaScript only, a Content-Security-Policy that
forbids any request, data embedded as JSON in a ``<script type="application/json">`` block. The SVG is
written by nexc itself (:mod:`nexc.pages.plots`); no browser or plotting library is needed to produce it.
"""
