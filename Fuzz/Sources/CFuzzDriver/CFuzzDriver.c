// The declaration in include/CFuzzDriver.h is all there is; SwiftPM needs one C file per C target.
#include "CFuzzDriver.h"
