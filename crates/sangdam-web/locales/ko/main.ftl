## 공통
site-name = 상담
lang-ko = 한국어
lang-en = English
save = 저장
nav-skip = 본문으로 건너뛰기
nav-label = 주 메뉴
nav-dashboard = 내 화면
nav-admin = 관리
nav-account = 계정 설정
nav-signin = 로그인
nav-signup = 회원가입
nav-signout = 로그아웃
footer-language = 언어
footer-privacy = 개인정보 처리방침
footer-tagline = 상담은 오픈소스 온라인 상담 플랫폼입니다.
banner-enroll = 상담사·관리자는 내담자 정보를 보기 전에 2단계 인증을 설정해야 합니다.
banner-enroll-link = 지금 설정하기
form-errors-title = 입력 내용을 확인해 주세요.
page-previous = 이전
page-next = 다음
page-older = 이전 기록 더 보기

## 역할
role-client = 내담자
role-counselor = 상담사
role-supervisor = 관리자(수퍼바이저)
role-admin = 운영자

## 첫 화면
landing-title = 온라인 상담
landing-heading = 마음 편히 이야기할 수 있는 곳
landing-lead = 상담은 내담자와 상담사가 화상·음성·채팅으로 만나고, 예약하고, 기록하고, 이후까지 함께하는 온라인 상담 플랫폼입니다.
landing-cta-signup = 상담 시작하기
landing-features-label = 상담이 하는 일
landing-clients-title = 내담자에게
landing-clients-body = 나에게 맞는 상담사를 찾아 예약하고, 브라우저만으로 안전하게 상담을 받으세요. 내 기록과 데이터는 언제든 내려받거나 삭제를 요청할 수 있습니다.
landing-counselors-title = 상담사에게
landing-counselors-body = 일정, 상담 기록, 후속 관리를 한 곳에서. 폭언과 괴롭힘으로부터 상담사를 보호하는 기능이 기본으로 들어 있습니다.
landing-privacy-title = 개인정보 보호
landing-privacy-body = 상담 내용은 암호화되어 저장되고, 내담자 정보에 대한 모든 접근은 변조할 수 없는 감사 기록에 남습니다.
landing-staff-title = 상담사·관리자 계정
landing-staff-body = 상담사와 관리자는 운영자가 보낸 초대 링크로 가입합니다. 초대 메일을 확인해 주세요.

## 개인정보 처리방침
privacy-title = 개인정보 처리방침
privacy-version = 버전 { $version }
privacy-collect-title = 수집하는 정보
privacy-collect-body = 이메일, 표시 이름, 언어와 시간대, 로그인 기록(시각과 접속 주소), 그리고 상담 과정에서 직접 입력하거나 공유한 내용을 수집합니다.
privacy-use-title = 이용 목적
privacy-use-body = 수집한 정보는 상담 예약과 진행, 기록 관리, 계정 보안을 위해서만 사용하며 광고에 쓰지 않습니다.
privacy-protect-title = 보호 조치
privacy-protect-body = 비밀번호는 Argon2id로 해시하여 저장하고, 상담 기록은 암호화하여 보관합니다. 내담자 정보에 접근한 모든 기록은 감사 로그에 남습니다.
privacy-rights-title = 정보주체의 권리
privacy-rights-body = 개인정보 보호법에 따라 언제든지 내 정보의 열람, 정정, 내려받기, 삭제를 요청할 수 있습니다.

## 회원가입
signup-title = 회원가입
signup-lead = 내담자 계정을 만듭니다. 상담사·관리자는 초대 링크로 가입해 주세요.
signup-submit = 가입하기
signup-sent-title = 메일을 확인해 주세요
signup-sent-body = { $email } 주소로 메일을 보냈습니다. 메일의 안내에 따라 가입을 마무리해 주세요.
signup-sent-hint = 가입 링크는 { $hours }시간 동안 열립니다. 메일이 보이지 않으면 스팸함을 확인하거나 잠시 뒤 다시 가입해 주세요.
signup-confirm-title = 가입 마무리
signup-confirm-body = { $email } 계정을 만듭니다. 비밀번호를 정해 주세요. 마무리하면 바로 로그인됩니다.
signup-confirm-button = 가입 마무리하기
signup-link-invalid-title = 사용할 수 없는 가입 링크
signup-link-invalid-body = 이 가입 링크는 이미 사용되었거나 만료되었습니다. 다시 가입하거나, 이미 가입하셨다면 로그인해 주세요.
signup-have-account = 이미 계정이 있으신가요?
field-email = 이메일
field-display-name = 표시 이름
field-display-name-hint = 상담사에게 보이는 이름입니다. 별명도 괜찮습니다.
field-password = 비밀번호
field-password-hint = 10자 이상. 기억하기 쉬운 여러 단어를 이어 쓰는 것을 권합니다.
field-new-password = 새 비밀번호
field-current-password = 현재 비밀번호
field-language = 언어
field-timezone = 시간대
field-timezone-hint = 예: Asia/Seoul
field-consent = 개인정보 수집·이용에 동의합니다.
field-consent-link = (처리방침 보기)
field-code = 인증 코드
field-code-hint = 인증 앱의 6자리 숫자 또는 복구 코드

## 초대
invite-title = 초대 수락
invite-lead = { $role } 계정으로 초대받았습니다. 아래 내용을 입력하면 가입이 완료됩니다.
invite-submit = 가입하고 시작하기
invite-invalid-title = 사용할 수 없는 초대 링크
invite-invalid-body = 이 초대 링크는 이미 사용되었거나 만료되었습니다. 운영자에게 새 초대를 요청해 주세요.

## 로그인
signin-title = 로그인
signin-submit = 로그인
signin-forgot = 비밀번호를 잊으셨나요?
signin-no-account = 계정이 없으신가요?
two-factor-signin-title = 2단계 인증
two-factor-signin-lead = 인증 앱에 표시된 6자리 코드를 입력하세요. 휴대폰을 쓸 수 없다면 복구 코드를 입력할 수 있습니다.
two-factor-signin-submit = 확인
notice-password-reset = 비밀번호가 바뀌었습니다. 새 비밀번호로 로그인해 주세요.
notice-signed-out = 로그아웃되었습니다.
notice-signed-out-everywhere = 모든 기기에서 로그아웃되었습니다.

## 비밀번호 재설정
forgot-title = 비밀번호 재설정
forgot-lead = 가입한 이메일을 입력하면 비밀번호를 다시 설정할 수 있는 링크를 보내 드립니다. 링크는 30분 동안 한 번만 쓸 수 있습니다.
forgot-submit = 링크 보내기
forgot-sent-title = 메일을 확인해 주세요
forgot-sent-body = 입력한 주소로 가입된 계정이 있다면 비밀번호 재설정 링크를 보냈습니다. 몇 분 안에 메일이 오지 않으면 스팸함도 확인해 주세요.
reset-title = 새 비밀번호 설정
reset-submit = 비밀번호 바꾸기
reset-invalid-title = 사용할 수 없는 링크
reset-invalid-body = 이 링크는 이미 사용되었거나 30분이 지나 만료되었습니다.
reset-invalid-again = 새 링크 받기

## 내 화면
dashboard-hello = { $name }님, 안녕하세요
dashboard-welcome = 가입을 환영합니다. 계정 보안을 위해 2단계 인증을 설정해 두시길 권합니다.
dashboard-role = 역할: { $role }
dashboard-sessions = { $count ->
    [one] 로그인된 기기 { $count }대
   *[other] 로그인된 기기 { $count }대
}
dashboard-client-title = 내 상담
dashboard-client-body = 상담사 찾기와 예약이 곧 이곳에 열립니다. 지금은 프로필과 보안 설정을 확인할 수 있습니다.
dashboard-client-profile = 프로필과 언어·시간대 설정
dashboard-counselor-title = 상담사 화면
dashboard-counselor-body = 일정, 상담실, 기록이 이곳에 모입니다. 내담자 정보를 보려면 2단계 인증이 필요합니다.
dashboard-supervisor-title = 관리자 화면
dashboard-supervisor-body = 상담사 현황과 사건 처리가 이곳에 모입니다. 내담자 정보를 보려면 2단계 인증이 필요합니다.
dashboard-admin-title = 운영

## 계정 설정
account-profile-title = 프로필
account-password-title = 비밀번호 변경
account-sessions-title = 로그인된 기기
account-security-title = 보안
account-nav-label = 계정 설정 메뉴
account-role = 역할
account-back = ← 계정 설정으로
account-password-others = 비밀번호를 바꾸면 지금 쓰는 기기를 제외한 모든 기기에서 로그아웃됩니다.
account-password-submit = 비밀번호 바꾸기
account-sessions-lead = 지금 내 계정으로 로그인된 기기입니다. 모르는 기기가 있다면 로그아웃시키고 비밀번호를 바꾸세요.
notice-saved = 저장했습니다.
notice-password-changed = 비밀번호를 바꿨습니다. 다른 기기는 모두 로그아웃되었습니다.
sessions-device = 기기
sessions-address = 접속 주소
sessions-started = 로그인 시각
sessions-last-seen = 마지막 사용
sessions-actions = 작업
sessions-this = 지금 이 기기
sessions-end = 로그아웃
sessions-end-others = 다른 기기 모두 로그아웃
sessions-end-all = 모든 기기에서 로그아웃

## 2단계 인증
two-factor-title = 2단계 인증
two-factor-on = 사용 중
two-factor-off = 꺼짐
two-factor-why = 비밀번호가 알려져도 계정을 지킬 수 있도록, 로그인할 때 인증 앱의 코드를 한 번 더 확인합니다.
two-factor-required = 내담자 정보를 보려면 먼저 2단계 인증을 설정해야 합니다.
two-factor-start-submit = 2단계 인증 설정하기
two-factor-step-app = 휴대폰에 인증 앱(Google Authenticator, Microsoft Authenticator, 1Password 등)을 준비하세요.
two-factor-step-scan = 앱으로 이 QR 코드를 스캔하세요.
two-factor-qr-label = 인증 앱에 등록할 QR 코드
two-factor-key-label = 스캔할 수 없다면 이 키를 직접 입력하세요:
two-factor-step-confirm = 앱에 표시된 6자리 코드를 입력해 설정을 마치세요.
two-factor-confirm-submit = 확인하고 켜기
two-factor-enabled = 2단계 인증을 켰습니다.
two-factor-codes-title = 복구 코드
two-factor-codes-lead = 휴대폰을 잃어버렸을 때 쓸 수 있는 일회용 코드입니다. 지금 한 번만 보여 드리니 안전한 곳에 적어 두세요. 각 코드는 한 번만 쓸 수 있습니다.
two-factor-codes-left = 남은 복구 코드: { $count }개
two-factor-codes-renewed = 새 복구 코드를 만들었습니다. 이전 코드는 더 이상 쓸 수 없습니다.
two-factor-renew-title = 복구 코드 새로 만들기
two-factor-renew-submit = 새 복구 코드 만들기
two-factor-disable-title = 2단계 인증 끄기
two-factor-disable-lead = 끄려면 비밀번호와 현재 인증 코드가 필요합니다. 상담사·관리자는 끄면 내담자 정보를 볼 수 없습니다.
two-factor-disable-submit = 2단계 인증 끄기

## 관리
admin-users-title = 사용자
admin-invitations-title = 초대
admin-audit-title = 감사 로그
admin-outbox-title = 보낸 메일함
admin-users-search = 이름 또는 이메일
admin-all = 전체
admin-search-submit = 검색
admin-users-count = 사용자 { $count }명
admin-invite-link = 상담사·관리자 초대하기
admin-status = 상태
admin-active = 활성
admin-inactive = 비활성
admin-created = 만든 시각
admin-expires = 만료
admin-change-role = 역할 바꾸기
admin-deactivate = 비활성화
admin-deactivate-hint = 비활성화하면 이 사용자의 모든 로그인이 즉시 끊기고 다시 로그인할 수 없습니다.
admin-reactivate = 다시 활성화
admin-user-history = 최근 기록
admin-user-history-all = 감사 로그 전체 보기
admin-invite-title = 새 초대
admin-invite-lead = 초대 링크는 7일 동안 한 번만 쓸 수 있습니다.
admin-invite-submit = 초대 보내기
admin-invite-created = 초대 메일을 보냈습니다. 메일이 닿지 않으면 이 링크를 직접 전달하세요:
admin-invite-revoke = 취소
invitation-open = 대기 중
invitation-used = 사용됨
invitation-expired = 만료됨
admin-audit-lead = 로그인, 관리 작업, 내담자 정보에 대한 모든 접근이 시간순으로 남습니다. 각 기록은 앞 기록의 해시를 담고 있어 변조를 찾아낼 수 있습니다.
audit-actor = 행위자(이메일)
audit-action = 작업
audit-target = 대상
audit-outcome = 결과
audit-time = 시각
audit-from = 시작일
audit-to = 종료일
admin-outbox-held = 메일 서버(SMTP)가 설정되지 않아 메일을 보내지 않고 여기에 보관합니다.
admin-outbox-smtp = 메일은 설정된 메일 서버로 발송됩니다. 발송 상태를 확인할 수 있습니다.
outbox-to = 받는 사람
outbox-subject = 제목
outbox-sent = 발송 시각
status-mail-held = 보관됨(메일 서버 없음)
status-mail-pending = 대기 중
status-mail-sending = 보내는 중
status-mail-sent = 보냄
status-mail-failed = 실패
status-job-pending = 대기 중
status-job-running = 실행 중
status-job-done = 완료
status-job-failed = 실패

## 오류
error-home = 첫 화면으로
error-400-title = 요청을 처리할 수 없습니다
error-403-title = 접근 권한이 없습니다
error-403-body = 이 페이지를 볼 수 있는 권한이 없습니다.
error-404-title = 페이지를 찾을 수 없습니다
error-404-body = 주소가 바뀌었거나 없는 페이지입니다.
error-413-title = 보낸 내용이 너무 큽니다
error-413-body = 보낸 내용이 허용된 크기를 넘었습니다. 내용을 줄여 다시 시도해 주세요.
error-500-title = 문제가 생겼습니다
error-500-body = 요청을 처리하는 중에 문제가 생겼습니다. 잠시 후 다시 시도해 주세요. 입력한 내용은 저장되지 않았을 수 있습니다.
error-csrf-title = 보안 확인에 실패했습니다
error-csrf-body = 페이지가 오래되었거나 다른 사이트에서 보낸 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.
error-form-invalid = 양식 내용을 읽을 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.
error-email-empty = 이메일을 입력해 주세요.
error-email-too-long = 이메일이 너무 깁니다.
error-email-malformed = 이메일 형식이 올바르지 않습니다. 예: name@example.com
error-email-taken = 이 이메일로는 새 계정을 만들 수 없습니다. 본인의 주소라면 로그인하거나 비밀번호를 재설정해 주세요.
error-name-empty = 표시 이름을 입력해 주세요.
error-name-too-long = 표시 이름은 50자까지 쓸 수 있습니다.
error-name-control = 표시 이름에 쓸 수 없는 문자가 있습니다.
error-timezone-unknown = 알 수 없는 시간대입니다. 목록에서 고르거나 Asia/Seoul처럼 입력해 주세요.
error-language-unknown = 한국어 또는 English를 골라 주세요.
error-consent-required = 가입하려면 개인정보 수집·이용에 동의해야 합니다.
error-password-too-short = 비밀번호는 { $min }자 이상이어야 합니다.
error-password-too-long = 비밀번호는 { $max }자까지 쓸 수 있습니다.
error-password-common = 너무 흔히 쓰이는 비밀번호입니다. 남이 짐작하기 어려운 비밀번호를 골라 주세요.
error-password-keyboard = 키보드 배열을 따라 친 비밀번호(qwerty 등)는 쉽게 추측됩니다.
error-password-repeats = 같은 글자나 묶음을 되풀이한 비밀번호는 쉽게 추측됩니다.
error-password-sequence = abc, 1234 같은 연속된 글자는 쉽게 추측됩니다.
error-password-dates = 날짜나 연도가 들어간 비밀번호는 쉽게 추측됩니다.
error-password-word = 단어나 이름 하나만으로는 쉽게 추측됩니다. 여러 단어를 이어 써 보세요.
error-password-personal = 이메일이나 이름이 들어간 비밀번호는 쉽게 추측됩니다.
error-password-guessable = 추측하기 쉬운 비밀번호입니다. 더 길게, 여러 단어를 이어 써 보세요.
error-signin-failed = 이메일 또는 비밀번호가 맞지 않습니다.
error-signin-wait = 로그인 시도가 너무 많습니다. { $seconds }초 후에 다시 시도해 주세요.
error-signin-locked = 로그인 시도가 너무 많아 계정이 잠시 잠겼습니다. { $minutes }분 후에 다시 시도하거나 비밀번호를 재설정해 주세요.
error-signin-address-limit = 이 네트워크에서 로그인 실패가 너무 많습니다. 잠시 후 다시 시도해 주세요.
error-too-many-requests = 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.
error-too-many-signups = 이 네트워크에서 가입 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.
error-code-wrong = 인증 코드가 맞지 않거나 이미 사용되었습니다. 앱에 표시된 새 코드를 입력해 주세요.
error-current-password = 현재 비밀번호가 맞지 않습니다.
error-disable-two-factor = 비밀번호 또는 인증 코드가 맞지 않습니다.
error-role-unknown = 알 수 없는 역할입니다.
error-self-change = 자기 자신의 역할이나 상태는 바꿀 수 없습니다. 다른 운영자에게 요청해 주세요.
error-audit-actor-unknown = 그 이메일의 사용자를 찾을 수 없습니다.
error-date-invalid = 날짜는 2026-01-31처럼 입력해 주세요.
error-410-title = 만료된 링크입니다
error-link-expired = 이 링크는 만료되었습니다. 필요하면 상담 센터에 다시 요청하세요.
error-503-title = 잠시 후 다시 시도해 주세요
error-503-body = 지금 요청이 많아 처리하지 못했습니다. 입력한 내용은 저장되지 않았으니 몇 초 뒤 다시 시도해 주세요.
