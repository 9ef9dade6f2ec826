"""Map tools, one gesture each (pan, identify, select); see base.py."""
