#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test_confab.py: drive libconfab through GObject Introspection (gi.repository.Confab).
# Run by meson through confab-python-launcher, which starts a confab-server and sets
# CONFAB_TEST_URL / CONFAB_TEST_API_KEY. Exit 0: pass, 77: skip, anything else: fail.

import os
import sys

if os.environ.get('CONFAB_TEST_NO_INTROSPECTION') == '1':
    print('introspection is disabled in this build: skipping')
    sys.exit(77)

import gi  # noqa: E402

gi.require_version('Confab', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import Confab, GLib, GObject, Json  # noqa: E402

# calls here are signaling only: no media
os.environ['CONFAB_CALL_MEDIA'] = 'none'
URL = os.environ['CONFAB_TEST_URL']
API_KEY = os.environ['CONFAB_TEST_API_KEY']
TIMEOUT_S = 20


def run_until(condition):
    """Iterates the default main context until condition() holds; fails after TIMEOUT_S."""
    context = GLib.MainContext.default()
    timed_out = []
    source = GLib.timeout_add_seconds(TIMEOUT_S, lambda: timed_out.append(True) or False)
    while not condition() and not timed_out:
        context.iteration(True)
    if not timed_out:
        GLib.source_remove(source)
    assert condition(), 'timed out'


def register(uri, user_id=None, username=None):
    user_agent = Confab.UserAgent.new(uri)
    assert user_agent.get_uri() == uri
    info = Confab.RegisterInformation.new()
    info.set_server_url(URL)
    if user_id:
        info.set_user_id(user_id)
    if username:
        info.set_username(username)
    outcome = {}

    def on_registered(source, result):
        try:
            outcome['session'] = source.register_finish(result)
        except GLib.Error as error:
            outcome['error'] = error

    user_agent.register_async(info, None, on_registered)
    run_until(lambda: outcome)
    return outcome


def finish(obj, name, *args):
    """Runs obj.NAME_async(*args) to completion and returns what NAME_finish says."""
    outcome = {}
    call = getattr(obj, name + '_async')
    method = getattr(obj, name + '_finish')

    def on_done(source, result):
        try:
            outcome['value'] = method(result)
        except GLib.Error as error:
            outcome['error'] = error

    call(*args, None, on_done)
    run_until(lambda: outcome)
    return outcome


def check_calls(alice, bob):
    """The call API through introspection: enums, boxed types, a signaling-only call."""
    assert Confab.CallStatus.WAITING_FOR_CALLEE == 0
    assert Confab.CallStatus.ENDED.value_nick == 'ended'
    assert Confab.CallDirection.INCOMING.value_nick == 'incoming'
    assert [m.value_nick for m in (Confab.CallMedia.AUDIO, Confab.CallMedia.VIDEO, Confab.CallMedia.SCREEN)] == \
        ['audio', 'video', 'screen']
    assert Confab.RecordMode.AUDIO_VIDEO.value_nick == 'audio-video'
    assert Confab.CallQuality.GOOD.value_nick == 'good'
    assert Confab.CallStats.__gtype__.is_a(GObject.TYPE_BOXED)
    info = Confab.RecordInformation.new('/tmp/x.webm', 3 * 10**9, Confab.RecordMode.AUDIO_ONLY)
    assert info.get_path() == '/tmp/x.webm' and info.get_duration() == 3 * 10**9
    options = Confab.StreamOptions.new()
    options.set_video(False)
    assert options.to_variant().unpack() == {'video': False}

    invitations = []
    ended = []
    bob.connect('incoming-call', lambda session, invitation: invitations.append(invitation))
    alice.connect('call-ended', lambda session, call: ended.append(call))
    call = alice.get_or_create_contact('py-bob').call(None, Confab.CallMedia.AUDIO)
    assert isinstance(call, Confab.Call)
    assert call.props.direction == Confab.CallDirection.OUTGOING
    assert alice.get_call(call.get_id()) is call
    run_until(lambda: invitations and call.get_status() == Confab.CallStatus.RINGING)
    invitation = invitations[0]
    assert invitation.props.call_id == call.get_id()
    assert invitation.props.media == Confab.CallMedia.AUDIO
    assert invitation.get_contact().get_id() == 'py-alice'
    invitation.decline(None)
    run_until(lambda: ended)
    assert call.get_status() == Confab.CallStatus.ENDED
    assert alice.get_calls().get_n_items() == 0


def main():
    # wrong key: a clear error in the CONFAB_ERROR domain
    bad = register('apiKey:not-the-key')
    assert 'error' in bad, bad
    assert bad['error'].domain == 'confab-error-quark', bad['error'].domain
    assert bad['error'].code == Confab.Error.INVALID_CREDENTIALS, bad['error'].code

    alice = register('apiKey:' + API_KEY, 'py-alice', 'Alice (Python)')['session']
    bob = register('apiKey:' + API_KEY, 'py-bob')['session']
    assert alice.get_id() == 'py-alice'
    assert alice.props.username == 'Alice (Python)'
    assert alice.get_state() == Confab.SessionState.CONNECTED

    received = []
    data = []
    bob.connect('contact-message', lambda session, contact, message: received.append((contact, message)))
    bob.connect('contact-data', lambda session, contact, content: data.append(content.get_int_member('n')))

    to_bob = alice.get_or_create_contact('py-bob')
    assert to_bob is alice.get_or_create_contact('py-bob')
    sent = finish(to_bob, 'send_message', 'hello from Python')
    assert 'value' in sent, sent
    uuid = sent['value']
    assert len(uuid) == 36

    run_until(lambda: received)
    contact, message = received[0]
    assert contact.get_id() == 'py-alice'
    assert contact.props.username == 'Alice (Python)'
    assert contact is bob.get_or_create_contact('py-alice')
    assert message.get_text() == 'hello from Python'
    assert message.get_uuid() == uuid
    assert message.props.direction == Confab.MessageDirection.INCOMING

    outgoing = to_bob.get_messages().get_item(0)
    assert outgoing.get_status() == Confab.MessageStatus.SENT
    assert outgoing.props.time.to_unix() == message.props.time.to_unix()

    content = Json.Object()
    content.set_int_member('n', 7)
    assert finish(to_bob, 'send_data', content).get('value') is True
    run_until(lambda: data)
    assert data == [7]

    # a reply the other way
    replies = []
    alice.connect('contact-message', lambda session, contact, message: replies.append(message.get_text()))
    assert 'value' in finish(bob.get_or_create_contact('py-alice'), 'send_message', 'hi back')
    run_until(lambda: replies)
    assert replies == ['hi back']

    check_calls(alice, bob)

    disconnects = []
    alice.connect('disconnect', lambda session, reason: disconnects.append(reason))
    assert finish(alice, 'disconnect').get('value') is True
    assert finish(bob, 'disconnect').get('value') is True
    assert disconnects == [None]
    assert alice.get_state() == Confab.SessionState.DISCONNECTED
    print('ok: registered, exchanged a message and data, a declined call, disconnected')
    return 0


if __name__ == '__main__':
    sys.exit(main())
