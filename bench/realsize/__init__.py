"""What the real-size records share (bench/wan-real-size/, bench/ltx-real-size/): see shared.py."""
