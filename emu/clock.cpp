#include "emu/clock.hpp"
