## 예약: 상담사 찾기, 상담사 페이지, 예약, 내 예약, 달력, 알림
nav-counselors = 상담사 찾기
nav-appointments = 예약
nav-calendar = 내 일정
delete = 삭제
minutes = { $count ->
    [one] { $count }분
   *[other] { $count }분
}
kind-video = 화상
kind-voice = 음성
kind-chat = 채팅
status-requested = 승인 대기
status-confirmed = 확정
status-completed = 완료
status-no-show = 불참
status-cancelled = 취소됨
status-late-cancelled = 늦은 취소
weekday-mon = 월요일
weekday-tue = 화요일
weekday-wed = 수요일
weekday-thu = 목요일
weekday-fri = 금요일
weekday-sat = 토요일
weekday-sun = 일요일
exception-off = 휴무
exception-extra = 추가 근무

directory-title = 상담사 찾기
directory-search = 이름
directory-specialty = 전문 분야
directory-kind = 상담 방식
directory-min-price = 최저 가격
directory-max-price = 최고 가격
directory-within = 며칠 안에 가능 (일)
directory-empty = 이 조건에 맞는 상담사가 아직 없습니다.
directory-next = 가장 빠른 시간: { $time }
directory-no-slots = 예약 가능 기간 안에 빈 시간이 없습니다.
counselor-zone = 시간대: { $zone }
counselor-approval = 이 상담사는 예약을 직접 확인한 뒤 확정합니다. 결과는 이메일로 알려 드립니다.
counselor-next-slots = 가장 빠른 빈 시간
counselor-sign-in-to-book = 로그인하고 예약하기
slots-shown-in = 시간은 내 시간대({ $zone })로 표시됩니다.

book-title = 상담 예약
book-with = { $name } 상담사와 상담 예약
book-reason = 상담받고 싶은 이유
book-reason-hint = 선택 사항입니다. 담당 상담사만 읽으며 암호화되어 저장됩니다.
book-first-time = 상담이 처음입니다
book-repeat = 반복
book-repeat-none = 이번 한 번
book-repeat-weekly = 매주
book-repeat-biweekly = 2주마다
book-count = 반복할 때 회기 수 (2~{ $max }회)
book-terms = 상담 이용 약관과 개인정보 처리방침에 동의합니다.
book-terms-link = 읽어 보기
book-submit = 예약하기
book-alternatives = 대신 고를 수 있는 빈 시간
book-back = 돌아가기

mine-title = 내 예약
mine-find = 상담사 찾기
mine-upcoming = 다가오는 예약
mine-past = 지난 예약
mine-none = 아직 없습니다.
mine-series = 반복 예약
mine-cancel = 취소
mine-reschedule = 시간 변경
mine-late-warning = 무료 취소 기한이 지났습니다. 지금 취소하면 늦은 취소로 기록되고 상담사에게 표시됩니다.
mine-cancel-reason = 취소 사유: { $reason }
reschedule-title = 예약 시간 변경
reschedule-current = 현재: { $time }
waitlist-title = 대기 명단
waitlist-hint = 원하는 날에 빈 시간이 없나요? 대기 명단에 올리면 자리가 났을 때 가장 먼저 기다린 분께 이메일로 알려 드립니다.
waitlist-day = 날짜
waitlist-join = 대기 명단에 올리기
waitlist-leave = 빠지기
waitlist-status-waiting = 기다리는 중
waitlist-status-offered = 자리가 잡혀 있어요: 이메일을 확인해 주세요
waitlist-status-booked = 예약됨
waitlist-status-passed = 제안 시간이 지났어요
waitlist-status-left = 그만 기다림

notice-booked = 예약되었습니다. 확인 메일을 보내 드렸습니다.
notice-cancelled = 예약이 취소되었습니다. 양쪽 모두에게 알렸습니다.
notice-moved = 예약 시간이 바뀌었습니다. 양쪽 모두에게 알렸습니다.
notice-waitlist-joined = 그날의 대기 명단에 올렸습니다.

notifications-title = 알림과 캘린더
notifications-reminders = 예약 전에 이메일로 알려 주세요 ({ $offsets } 전)
feed-title = 캘린더 구독
feed-hint = 나만의 주소로 Google, Apple, Outlook 캘린더에서 내 예약을 구독할 수 있습니다. 주소를 아는 사람은 누구나 예약 시간을 볼 수 있으니 혼자만 간직하세요. 새 주소를 만들면 이전 주소는 더 이상 작동하지 않습니다.
feed-new = 새 캘린더 주소 (한 번만 보여 드립니다):
feed-exists = 캘린더 주소가 있습니다. 주소가 알려졌을 수 있다면 새로 만드세요.
feed-create = 캘린더 주소 만들기
feed-reset = 새 주소 만들기

settings-title = 프로필과 예약 설정
settings-public-page = 내 공개 페이지
settings-profile = 프로필
settings-bio-ko = 한국어 소개
settings-bio-en = 영어 소개
settings-languages = 상담 가능 언어
settings-zone-change = 바꾸기
settings-approval = 예약을 직접 확인한 뒤 확정합니다
settings-published = 상담사 찾기에 나를 보여 줍니다
settings-offerings = 상담 방식
settings-offer = 제공
settings-duration = 시간 (분)
settings-price = 가격
settings-currency = 통화
settings-hours = 주간 상담 시간
settings-hours-hint = 내 시간대 기준으로, 예: 09:00-12:00, 13:00-18:00. 쉬는 날은 비워 두세요.
settings-rules = 예약 규칙
settings-buffer = 상담 사이 쉬는 시간 (분)
settings-notice = 최소 예약 여유 (시간)
settings-horizon = 예약 가능 기간 (일)
settings-cap = 하루 최대 상담 수 (비우면 제한 없음)
settings-cancel-window = 무료 취소 기한 (시작 몇 시간 전까지)
settings-exceptions = 휴무와 추가 근무
settings-exception-kind = 종류
settings-from = 시작
settings-to = 끝
settings-exception-add = 추가

calendar-title = 내 일정
calendar-day = 하루
calendar-week = 한 주
calendar-free = 예약이 없습니다.
calendar-first-time = 첫 상담
calendar-approve = 승인
calendar-decline = 거절
calendar-cancel-reason = 사유 (내담자에게 전달됩니다)
calendar-completed = 진행함
calendar-no-show = 오지 않음

admin-jobs-title = 작업 대기열
admin-job-kind = 종류
admin-job-due = 예정 시각
admin-job-attempts = 시도 횟수
admin-job-error = 마지막 오류
admin-job-retry = 다시 시도
admin-specialties-title = 전문 분야
admin-specialty-add = 전문 분야 추가 또는 이름 바꾸기
admin-specialty-id = 식별자 (영문 소문자, 숫자, 하이픈)
admin-specialty-position = 목록 순서

error-kind-unknown = 이 상담사가 제공하는 상담 방식 중에서 골라 주세요.
error-slot-invalid = 제공되는 시간이 아닙니다. 목록에서 시간을 골라 주세요.
error-slot-unavailable = 방금 다른 분이 예약했거나 더 이상 비어 있지 않은 시간입니다. 다른 시간을 골라 주세요.
error-series-unavailable = 반복 예약의 모든 회기가 비어 있지 않아 하나도 예약하지 않았습니다. 다른 시작 시간이나 더 적은 회기를 골라 주세요.
error-series-skipped-time = 상담사 시간대에서 { $date }에는 이 시각이 일광 절약 시간 전환으로 존재하지 않아, 그 회기가 한 시간 밀리게 됩니다. 반복 예약을 하나도 하지 않았습니다. 다른 시작 시간을 고르거나 그 날짜 전까지만 예약해 주세요.
error-reason-too-long = 이유는 { $max }자까지 쓸 수 있습니다.
error-terms-required = 예약하려면 상담 이용 약관에 동의해 주세요.
error-repeat-invalid = 반복 주기를 골라 주세요.
error-count-range = 반복 예약은 2회부터 { $max }회까지입니다.
error-appointment-closed = 이 예약은 더 이상 바꿀 수 없습니다.
error-reschedule-window = 상담사의 변경 기한이 지나 시간을 바꿀 수 없습니다. 취소는 할 수 있습니다.
error-date-out-of-range = 상담사의 예약 가능 기간 안의 날짜를 골라 주세요.
error-within-days = '며칠 안에 가능'에는 1부터 60까지의 숫자를 입력해 주세요.
error-price-filter = 가격 조건에는 50000이나 80 같은 숫자를 입력해 주세요.
error-search-too-long = 검색어는 100자까지 입력할 수 있습니다.
error-specialty-unknown = 목록에서 전문 분야를 골라 주세요.
error-bio-too-long = 소개는 { $max }자까지 쓸 수 있습니다.
error-languages-required = 언어를 하나 이상 골라 주세요.
error-duration-range = { $kind }: 시간은 15분부터 240분까지 5분 단위입니다.
error-currency-unknown = 목록에서 통화를 골라 주세요.
error-too-many-spans = 하루에 시간대는 6개까지입니다.
error-time-malformed = 시각은 09:30 같은 형식입니다.
error-interval-empty = 끝나는 시각이 시작 시각보다 뒤여야 합니다.
error-rule-range = 예약 규칙 값이 범위를 벗어났습니다: 쉬는 시간 240분 이하, 최소 여유 720시간 이하, 예약 기간 1~365일, 하루 1~48회, 취소 기한 336시간 이하.
error-price-malformed = 가격은 50000이나 80.00 같은 숫자입니다.
error-price-range = 가격이 허용 범위를 벗어났습니다.
error-publish-needs-offering = 상담사 찾기에 보이려면 상담 방식을 하나 이상 제공해 주세요.
error-cancel-reason-required = 내담자에게 전할 사유를 적어 주세요.
error-cancel-reason-too-long = 사유는 500자까지 쓸 수 있습니다.
error-outcome-too-early = 상담이 시작된 뒤에만 기록할 수 있습니다.
error-specialty-id = 식별자는 영문 소문자, 숫자, 하이픈으로 1~40자입니다.
error-specialty-name = 두 언어의 이름이 모두 필요하며 각각 40자까지입니다.
error-specialty-position = 목록 순서는 0부터 1000 사이의 정수입니다.
error-specialty-limit = 전문 분야는 { $max }개까지 둘 수 있습니다. 있는 분야의 이름을 바꾸거나 하나를 지운 뒤 추가해 주세요.

ics-summary-counselor = { $client } 상담 ({ $kind })
ics-summary = { $counselor } 상담사와 상담 ({ $kind })
ics-description = 상담(Sangdam) 상담 회기입니다. 참여와 변경은 상담에서 할 수 있습니다.
ics-offer-description = 상담 대기 명단에서 잡아 둔 시간입니다. 예약해야 확정됩니다.
ics-feed-name = 상담 예약

mail-booked-subject = [상담] 예약 완료: { $time }
mail-booked-body =
    안녕하세요.

    { $name }님과의 상담이 { $time }에 예약되었습니다 ({ $kind }).
    첨부된 캘린더 파일로 내 캘린더에 추가할 수 있습니다.

    내 예약: { $link }{ $manage }
mail-requested-subject = [상담] 예약 요청: { $time }
mail-requested-body =
    안녕하세요.

    { $name }님과의 { $time } 상담({ $kind })이 상담사의 승인을 기다리고 있습니다.
    그동안 시간은 잡혀 있으며, 확정되면 알려 드립니다.

    { $link }{ $manage }
mail-confirmed-subject = [상담] 예약 확정: { $time }
mail-confirmed-body =
    안녕하세요.

    { $name }님과의 { $time } 상담({ $kind })이 확정되었습니다.

    { $link }{ $manage }
mail-moved-subject = [상담] 예약 시간 변경: { $time }
mail-moved-body =
    안녕하세요.

    { $name }님과의 상담이 { $time }으로 바뀌었습니다 ({ $kind }).
    첨부된 캘린더 파일로 내 캘린더가 바뀝니다.

    { $link }{ $manage }
mail-cancel-late = 무료 취소 기한이 지난 뒤의 취소(늦은 취소)입니다.
mail-cancel-reason = 사유: { $reason }
mail-late-cancelled-subject = [상담] 늦은 예약 취소: { $time }
mail-cancelled-subject = [상담] 예약 취소: { $time }
mail-cancelled-body =
    안녕하세요.

    { $name }님과의 { $time } 상담({ $kind })이 취소되었습니다.{ $details }
    첨부된 캘린더 파일로 내 캘린더에서 지워집니다.

    { $link }
mail-reminder-subject = [상담] 예약 알림: { $time }
mail-reminder-body =
    안녕하세요.

    { $name }님과의 상담이 { $time }에 있습니다 ({ $kind }).

    { $link }{ $manage }

    알림은 계정의 '알림과 캘린더'에서 끌 수 있습니다.
mail-offer-subject = [상담] { $name } 상담사의 시간이 비었습니다: { $time }
mail-offer-body =
    안녕하세요.

    기다리시던 시간이 비었습니다: { $name } 상담사, { $time }.
    { $minutes }분 동안 이 시간을 잡아 두었습니다. 여기서 예약하세요.

    { $link }

    그 뒤에는 다음 대기자에게 넘어갑니다.

settings-photo = 사진
settings-photo-hint = 5MB 이하의 JPEG 또는 PNG. 정사각형으로 잘라 크기를 줄이며, 위치와 카메라 정보는 지웁니다.
settings-photo-file = 사진 고르기
settings-photo-upload = 올리기
error-photo-type = 사진은 JPEG 또는 PNG 그림이어야 합니다.
error-photo-too-large = 사진은 5MB, 한 변 8000픽셀까지입니다.
error-photo-missing = 올릴 사진을 골라 주세요.
error-waitlist-full = 이미 20개의 날짜를 기다리고 있습니다. 먼저 하나를 빼 주세요.
error-exception-past = 지난 날짜입니다.
error-exceptions-full = 휴무와 추가 근무는 200개까지입니다. 지난 것을 먼저 지워 주세요.
error-client-busy = 이 시간에 이미 다른 상담이 있습니다. 다른 시간을 고르거나, 먼저 그 상담을 옮기거나 취소해 주세요.
mail-client-deleted-subject = [상담] 예약 취소(내담자 탈퇴): { $time }
mail-client-deleted-body =
    안녕하세요.

    { $time } 상담({ $kind })의 내담자가 회원 탈퇴해 예약이 취소되었습니다.
    첨부된 캘린더 파일로 내 캘린더에서 지워집니다.

    { $link }
book-inside-window = 이 시간은 { $hours }시간 안에 시작합니다. 예약하면 시간을 바꿀 수 없고, 취소하면 늦은 취소가 됩니다.
book-free-until = { $deadline }까지는 무료로 취소하거나 시간을 바꿀 수 있습니다.
before-days = { $count }일 전
before-hours = { $count }시간 전
before-minutes = { $count }분 전
cancel-title = 이 예약을 취소할까요?
cancel-free = 아직 무료 취소 기한 전입니다. 비용이 청구되지 않습니다.
cancel-reason = 사유 (선택)
cancel-reason-hint = 상담사에게 전달됩니다. 500자까지 쓸 수 있습니다.
cancel-submit = 네, 취소합니다
cancel-keep = 예약 유지
move-confirm-title = 예약 시간을 바꿀까요?
move-from = 지금
move-to = 바꿀 시간
move-submit = 이 시간으로 바꾸기
move-other = 다른 시간 고르기
month-prev = 이전 달
month-next = 다음 달
month-legend = 빈 시간이 있는 날은 동그라미로 표시됩니다.
month-morning = 오전
month-afternoon = 오후
month-pick-day = 빈 시간이 있는 날을 고르세요.
counselor-pick-date = 다른 날짜 고르기
calendar-today = 오늘
mail-manage = 로그인하지 않고 일정을 변경하거나 취소하기 (예약이 바뀌거나 시작되기 전까지 쓸 수 있는 링크): { $link }
manage-title = 내 예약
manage-hint = 메일의 링크로 로그인 없이 이 화면에 들어오셨습니다. 이 링크는 예약이 바뀌거나 시작되기 전까지만 쓸 수 있고, 예약이 바뀌면 새 메일에 새 링크가 함께 갑니다.
manage-signin = 로그인하고 내 예약 모두 보기
manage-gone-title = 더 이상 쓸 수 없는 링크입니다
manage-gone-body = 메일을 보낸 뒤 예약이 바뀌었거나 취소되었거나 이미 시작되었습니다. 또는 링크가 잘렸을 수 있습니다. 로그인해서 예약을 확인하시거나 가장 최근 메일의 링크를 써 주세요.
manage-moved = 예약 일정을 옮겼습니다. 두 분 모두에게 새 시간을 알려 드렸습니다.
error-link-used = 그 사이에 예약이 바뀌어 이 링크는 더 이상 쓸 수 없습니다. 이번 요청으로 바뀐 것은 없습니다. 로그인해서 예약을 확인해 주세요.
