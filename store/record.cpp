#include "store/record.hpp"
