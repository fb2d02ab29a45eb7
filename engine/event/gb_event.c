#include "gb_event.h"

#include <stdlib.h>
#include <string.h>

static const char *const type_names[GB_EV__COUNT] = {
#define GB_X_NAME(c, n, channel, platform, role) [c] = n,
    GB_EVENT_TYPES(GB_X_NAME)
#undef GB_X_NAME
};

const gb_event_info gb_event_infos[GB_EV__COUNT] = {
#define GB_X_INFO(c, n, channel, platform, role)                                                   \
  [c] = {GB_CHANNEL_##channel, GB_PLATFORM_##platform, GB_ROLE_##role},
    GB_EVENT_TYPES(GB_X_INFO)
#undef GB_X_INFO
};

const char *gb_event_channel_name(gb_event_channel channel) {
  static const char *const names[GB_CHANNEL__COUNT] = {"card", "steam", "feedback", "control"};
  return (unsigned)channel < GB_CHANNEL__COUNT ? names[channel] : "unknown";
}

const char *gb_event_role_name(gb_event_role role) {
  static const char *const names[] = {"activity", "decision_point", "feedback", "notice",
                                      "control"};
  return (unsigned)role < sizeof names / sizeof names[0] ? names[role] : "unknown";
}

const char *gb_event_type_name(gb_event_type type) {
  if ((unsigned)type >= GB_EV__COUNT)
    return "unknown";
  return type_names[type];
}

int gb_event_type_parse(const char *name, size_t len, gb_event_type *out) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    if (strlen(type_names[t]) == len && memcmp(type_names[t], name, len) == 0) {
      *out = (gb_event_type)t;
      return 0;
    }
  }
  return -1;
}

void gb_event_init(gb_event *ev) { memset(ev, 0, sizeof *ev); }

void gb_event_dispose(gb_event *ev) {
  if (ev->type == GB_EV_CHALLENGE_UPSERT)
    free(ev->u.control.definition); /* the one type that owns memory */
  gb_event_init(ev);
}

/* Countries spanning several zones (US, CA, AU) get their most populous one, so some of their
 * players reset at the wrong hour: the simulator's events carry utc_offset_min and avoid that. */
static int32_t country_offset_min(const char *country) {
  static const struct {
    char code[3];
    int16_t offset_min;
  } zones[] = {{"CN", 480}, {"HK", 480},  {"TW", 480},  {"MO", 480}, {"MY", 480}, {"SG", 480},
               {"PH", 480}, {"TH", 420},  {"VN", 420},  {"ID", 420}, {"JP", 540}, {"KR", 540},
               {"AU", 600}, {"US", -300}, {"CA", -300}, {"GB", 0},   {"BR", -180}};
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
    if (strcmp(country, zones[i].code) == 0)
      return zones[i].offset_min;
  return 0;
}

int32_t gb_event_local_offset_min(const gb_event *ev) {
  return ev->utc_offset_min != 0 ? ev->utc_offset_min : country_offset_min(ev->country);
}
