#include "gb_stages.h"

static const char *const names[GB_STAGE__COUNT] = {
    [GB_STAGE_SEND] = "send",         [GB_STAGE_TRANSPORT] = "transport",
    [GB_STAGE_DECODE] = "decode",     [GB_STAGE_AGGREGATOR] = "aggregator",
    [GB_STAGE_MATCHER] = "matcher",   [GB_STAGE_RECOMMENDER] = "recommender",
    [GB_STAGE_E2E] = "e2e",           [GB_STAGE_REPLY] = "reply",
    [GB_STAGE_DECISION] = "decision",
};

const char *gb_stage_name(gb_stage s) {
  return (unsigned)s < GB_STAGE__COUNT ? names[s] : "unknown";
}

bool gb_stage_is_service(gb_stage s) {
  return s == GB_STAGE_DECODE || s == GB_STAGE_AGGREGATOR || s == GB_STAGE_MATCHER ||
         s == GB_STAGE_RECOMMENDER || s == GB_STAGE_REPLY;
}
