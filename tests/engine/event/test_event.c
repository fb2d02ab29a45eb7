/* The event-type table: names, and the roles every module reads from it. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_event.h"

Test(event, names_round_trip_for_every_type) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    const char *name = gb_event_type_name((gb_event_type)t);
    gb_event_type back;
    cr_assert_eq(gb_event_type_parse(name, strlen(name), &back), 0, "%s", name);
    cr_assert_eq(back, t);
  }
  gb_event_type x;
  cr_assert_eq(gb_event_type_parse("warp_drive", 10, &x), -1);
  cr_assert_str_eq(gb_event_type_name(GB_EV__COUNT), "unknown");
}

/* The card platform answers its players at the end of each game, the store at each visit (a
 * slate), and nowhere else. */
Test(event, game_end_and_store_visit_are_the_decision_points) {
  for (int t = 0; t < GB_EV__COUNT; t++)
    cr_assert_eq(gb_event_is_decision_point((gb_event_type)t),
                 t == GB_EV_GAME_END || t == GB_EV_STORE_VISIT, "%s",
                 gb_event_type_name((gb_event_type)t));
}

/* Control events are the operators' changes and the producers' watermarks; they, and only they,
 * travel on the control channel, and no platform's players emit them. */
Test(event, control_role_and_channel_go_together) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event_type type = (gb_event_type)t;
    bool control =
        t == GB_EV_CHALLENGE_UPSERT || t == GB_EV_CHALLENGE_DELETE || t == GB_EV_WATERMARK;
    cr_assert_eq(gb_event_is_control(type), control, "%s", gb_event_type_name(type));
    cr_assert_eq(gb_event_channel_of(type) == GB_CHANNEL_CONTROL, control, "%s",
                 gb_event_type_name(type));
    if (control)
      cr_assert_eq(gb_event_platform_of(type), GB_PLATFORM_ANY);
  }
}

/* The store's events travel on the store's channel; the props' life on the feedback channel;
 * the rest of the card platform on the card channel. */
Test(event, channels_follow_the_platform_and_the_role) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event_type type = (gb_event_type)t;
    const char *name = gb_event_type_name(type);
    gb_event_channel ch = gb_event_channel_of(type);
    if (gb_event_platform_of(type) == GB_PLATFORM_STEAM)
      cr_assert_eq(ch, GB_CHANNEL_STEAM, "%s", name);
    else if (gb_event_is_control(type))
      cr_assert_eq(ch, GB_CHANNEL_CONTROL, "%s", name);
    else if (strncmp(name, "prop_", 5) == 0 || strncmp(name, "challenge_", 10) == 0 ||
             strcmp(name, "reward_granted") == 0)
      cr_assert_eq(ch, gb_event_is_control(type) ? GB_CHANNEL_CONTROL : GB_CHANNEL_FEEDBACK, "%s",
                   name);
    else
      cr_assert_eq(ch, GB_CHANNEL_CARD, "%s", name);
  }
  cr_assert_eq(gb_event_channel_of(GB_EV_PURCHASE), GB_CHANNEL_CARD);
  cr_assert_eq(gb_event_platform_of(GB_EV_PURCHASE), GB_PLATFORM_ANY, "both platforms sell");
}

Test(event, feedback_is_the_players_reaction_to_a_decision) {
  const gb_event_type feedback[] = {
      GB_EV_PROP_SHOWN,          GB_EV_PROP_USED,        GB_EV_PROP_DISCARDED, GB_EV_PROP_EXPIRED,
      GB_EV_CHALLENGE_COMPLETED, GB_EV_CHALLENGE_FAILED, GB_EV_IMPRESSION,     GB_EV_CLICK,
      GB_EV_OFFER_SHOWN,         GB_EV_OFFER_PURCHASED,  GB_EV_OFFER_DISMISSED};
  size_t n = sizeof feedback / sizeof feedback[0], seen = 0;
  for (size_t i = 0; i < n; i++)
    cr_assert(gb_event_is_feedback(feedback[i]), "%s", gb_event_type_name(feedback[i]));
  for (int t = 0; t < GB_EV__COUNT; t++)
    seen += gb_event_is_feedback((gb_event_type)t);
  cr_assert_eq(seen, n, "no other type is feedback");
  cr_assert_eq(gb_event_role_of(GB_EV_PROP_GENERATED), GB_ROLE_NOTICE);
  cr_assert_eq(gb_event_role_of(GB_EV_REWARD_GRANTED), GB_ROLE_NOTICE);
  cr_assert_eq(gb_event_role_of(GB_EV_SESSION_START), GB_ROLE_ACTIVITY);
}

Test(event, channel_and_role_names) {
  const char *channels[] = {"card", "steam", "feedback", "control"};
  for (int c = 0; c < GB_CHANNEL__COUNT; c++)
    cr_assert_str_eq(gb_event_channel_name((gb_event_channel)c), channels[c]);
  cr_assert_str_eq(gb_event_channel_name(GB_CHANNEL__COUNT), "unknown");
  cr_assert_str_eq(gb_event_role_name(GB_ROLE_DECISION_POINT), "decision_point");
  cr_assert_str_eq(gb_event_role_name(GB_ROLE_CONTROL), "control");
  cr_assert_str_eq(gb_event_role_name((gb_event_role)99), "unknown");
}
