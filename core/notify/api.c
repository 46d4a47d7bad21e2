/*
 * The notification and meter-state API: a meter's state and consumption
 * chart, a customer's notification settings (the low-balance threshold
 * they choose, channels, quiet hours), and the notification log.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/routes.h"
#include "notify/notify.h"
#include "vend/vend.h"

/* GET /api/v1/meters/{id}/state */
int
hs_notify_meter_state(struct hs_req *r)
{
	char		 utility[24], only[24], id[24];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	params[2] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	return (hs_req_query(r, "SELECT hs_api_meter_state($1, $2, $3)", 3,
	    params));
}

/* A customer reaches only their own settings; staff any of the utility. */
static int
own_customer(struct hs_req *r, char id[24])
{
	if (hs_api_id(r, 0, id) == -1)
		return (-1);
	if (r->who.role == HS_ROLE_CUSTOMER &&
	    strtoll(id, NULL, 10) != r->who.customer_id) {
		hs_reply_error(r, 404, "not_found", "no such record", NULL);
		return (-1);
	}
	return (0);
}

/* GET /api/v1/customers/{id}/notification-settings */
int
hs_notify_prefs_get(struct hs_req *r)
{
	char		 utility[24], only[24], id[24];
	const char	*params[2];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (own_customer(r, id) == -1)
		return (HS_DONE);
	(void)hs_api_scope(r, utility, only);
	params[0] = id;
	params[1] = utility;
	return (hs_req_query(r, "SELECT hs_prefs_json(id) FROM customers "
	    "WHERE id = $1 AND utility_id = $2", 2, params));
}

/*
 * PUT /api/v1/customers/{id}/notification-settings: {"low_units",
 * "low_days", "channels": {"low_balance": ["push", "sms"], ...},
 * "quiet_start": "21:00", "quiet_end": "06:00"}; members left out keep
 * their value.  Shapes are checked here, kinds and channels in SQL.
 */
int
hs_notify_prefs_set(struct hs_req *r)
{
	struct kore_json	 j;
	struct kore_json_item	*it;
	const void		*body;
	const char		*params[3];
	char			 utility[24], only[24], id[24], msg[128];
	size_t			 len;
	int			 rc;

	if (r->phase > 0) {
		if (r->error[0] != '\0' && strncmp(r->sqlstate, "HS", 2) &&
		    strncmp(r->sqlstate, "22", 2))
			return (hs_vend_db_error(r));
		return (hs_api_result(r, 200));
	}
	if (own_customer(r, id) == -1)
		return (HS_DONE);
	body = hs_req_body(r, &len);
	kore_json_init(&j, body, len);
	if (!kore_json_parse(&j) || j.root->type != KORE_JSON_TYPE_OBJECT) {
		kore_json_cleanup(&j);
		return (hs_reply_error(r, 400, "bad_json", "the body must be a "
		    "JSON object", NULL));
	}
	TAILQ_FOREACH(it, &j.root->data.items, list) {
		if (!strcmp(it->name, "low_units") ||
		    !strcmp(it->name, "low_days")) {
			if (it->type == KORE_JSON_TYPE_INTEGER_U64 ||
			    it->type == KORE_JSON_TYPE_NUMBER ||
			    it->type == KORE_JSON_TYPE_LITERAL)
				continue;
		} else if (!strcmp(it->name, "channels")) {
			if (it->type == KORE_JSON_TYPE_OBJECT)
				continue;
		} else if (!strcmp(it->name, "quiet_start") ||
		    !strcmp(it->name, "quiet_end")) {
			if (it->type == KORE_JSON_TYPE_STRING &&
			    strlen(it->data.string) == 5 &&
			    it->data.string[2] == ':' &&
			    strspn(it->data.string, "0123456789:") == 5)
				continue;
		}
		snprintf(msg, sizeof(msg), "'%.40s' is unknown or malformed",
		    it->name);
		kore_json_cleanup(&j);
		return (hs_reply_error(r, 422, "invalid_field", msg, NULL));
	}
	kore_json_cleanup(&j);
	(void)hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[2] = NULL;
	{
		char	*copy;

		if ((copy = malloc(len + 1)) == NULL)
			fatal("prefs: out of memory");
		memcpy(copy, body, len);
		copy[len] = '\0';
		params[2] = copy;
		rc = hs_req_query(r, "SELECT hs_prefs_set($1, $2, $3::jsonb)",
		    3, params);
		free(copy);
	}
	return (rc);
}

/* GET /api/v1/notifications: the outbox, newest first. */
int
hs_notify_log(struct hs_req *r)
{
	char		 utility[24], only[24], customer[24], state[16];
	char		 channel[16], limit[8], offset[16];
	const char	*params[7];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[1] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[2] = hs_req_arg(r, "customer_id", customer,
	    sizeof(customer)) == 0 && strspn(customer, "0123456789") ==
	    strlen(customer) && customer[0] ? customer : NULL;
	params[3] = hs_req_arg(r, "state", state, sizeof(state)) == 0 ?
	    state : NULL;
	params[4] = hs_req_arg(r, "channel", channel, sizeof(channel)) == 0 ?
	    channel : NULL;
	params[5] = limit;
	params[6] = offset;
	return (hs_req_query(r, "SELECT hs_api_notifications($1, $2, $3, $4, "
	    "$5, $6, $7)", 7, params));
}
