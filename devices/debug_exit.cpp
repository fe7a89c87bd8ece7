#include "devices/debug_exit.hpp"
