/* What both schedule shapes share. */
#include "config.h"

#include "schedule.h"
