import NNC
