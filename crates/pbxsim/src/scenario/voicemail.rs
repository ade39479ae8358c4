//! A caller who reaches a colleague's voicemail (sent there by a client's
//! `Redirect` to `*1002`, or because nobody answered): the `VoiceMail`
//! application answers the caller, who speaks for the talk time (or hangs
//! up sooner), then the mailbox has one more new message, announced with
//! `MessageWaiting`, and the caller's channel hangs up.

use super::call::{lock, CallRun};
use crate::world::ChanState;

impl CallRun {
    /// The caller leaves a message for `ext`.
    pub(super) async fn leave_voicemail(&mut self, ext: &str) {
        let data = format!("{ext}@default,u");
        {
            let mut w = lock(&self.w);
            let (context, exten) = w
                .chan(&self.a)
                .map(|c| (c.context.clone(), c.exten.clone()))
                .unwrap_or_default();
            w.set_location(&self.a, &context, &exten, "VoiceMail", &data);
            w.newexten(&self.a, "VoiceMail", &data);
            w.set_state(&self.a, ChanState::Up);
            if self.answered_at.is_none() {
                self.answered_at = Some(w.now().as_secs());
            }
        }
        // Any command (a hangup) ends the message early.
        self.wait(self.timing.talk).await;
        let mut w = lock(&self.w);
        w.leave_voicemail(ext, &self.a);
        self.write_cdr(&w, "ANSWERED");
        w.hangup(&self.a, 16);
    }
}
